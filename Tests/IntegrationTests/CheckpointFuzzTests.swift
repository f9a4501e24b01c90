import Foundation
import SAGEEngine
import Testing

/// Seeded fuzzing of the two safetensors files a user hands back to sage-mpi: a model checkpoint (`predict`) and a
/// training state (`train --resume`). Each case flips 1-4 bytes (half of them aimed at the 8-byte length and the
/// JSON header) or truncates the file. Every case must end by itself with exit status 1 and exactly one "error:"
/// line naming a file, or with status 0 when the damage is one safetensors cannot see: it has no checksum, so a
/// changed byte of tensor data (a float, or an int64 counter's low bytes) is a different but well-formed file, and
/// so is a changed character inside the one metadata value (the hyperparameters' or the training progress's JSON
/// text, itself checked when decoded, but free to say another consistent thing), or a padding space turned into
/// another whitespace. A flip anywhere else (the length, the keys, dtypes, shapes, offsets, the JSON syntax) must
/// be detected, and no case may end on a signal, print a Swift fatal error, or hang.
@Suite(.serialized) struct CheckpointFuzzTests {
    /// Where the bytes of a safetensors file lie: the header ends at `dataStart`; `metadataValue` is the text of
    /// the metadata string under `key`; `padding` the header's trailing spaces.
    struct Layout {
        let dataStart: Int, metadataValue: Range<Int>, padding: Range<Int>

        init(_ data: [UInt8], key: String) {
            let n = (0..<8).reduce(0) { $0 | Int(data[$1]) << (8 * $1) }
            dataStart = 8 + n
            let opening = Array("\"\(key)\":\"".utf8)
            let start = (8..<(dataStart - opening.count)).first { Array(data[$0..<($0 + opening.count)]) == opening }! + opening.count
            var end = start
            while data[end] != UInt8(ascii: "\"") { end += data[end] == UInt8(ascii: "\\") ? 2 : 1 }
            metadataValue = start..<end
            var last = dataStart
            while data[last - 1] == 0x20 { last -= 1 }
            padding = last..<dataStart
        }

        /// Whether changing byte `position` to `byte` may leave a valid file that means something else.
        func undetectable(_ position: Int, to byte: UInt8) -> Bool {
            position >= dataStart || metadataValue.contains(position)
                || (padding.contains(position) && [0x20, 0x09, 0x0A, 0x0D].contains(byte))
        }
    }

    enum Damage: CustomStringConvertible {
        case flips([(position: Int, byte: UInt8)])
        case truncation(Int)

        var description: String {
            switch self {
            case .flips(let f): "bytes " + f.map { "\($0.position) -> 0x\(String($0.byte, radix: 16))" }.joined(separator: ", ")
            case .truncation(let n): "truncated to \(n) bytes"
            }
        }

        /// A quarter truncations, else 1-4 XOR flips; each flip lands in the first `headerEnd` bytes half the time.
        static func random(size: Int, headerEnd: Int, rng: inout SplitMix64) -> Damage {
            if rng.next() % 4 == 0 { return .truncation(Int(rng.next() % UInt64(size))) }
            return .flips((0..<(1 + Int(rng.next() % 4))).map { _ in
                let range = rng.next() % 2 == 0 ? headerEnd : size
                return (Int(rng.next() % UInt64(range)), UInt8(1 + rng.next() % 255))
            })
        }

        func apply(_ data: [UInt8]) -> (bytes: [UInt8], changes: [(position: Int, byte: UInt8)]) {
            switch self {
            case .truncation(let n): return (Array(data.prefix(n)), [])
            case .flips(let flips):
                var out = data
                for f in flips { out[f.position] ^= f.byte }
                // Flips may hit one byte twice; what counts is each changed byte's final value.
                let changed = Set(flips.map(\.position)).sorted().filter { out[$0] != data[$0] }
                return (out, changed.map { ($0, out[$0]) })
            }
        }
    }

    /// Checks one run of `sage-mpi` on a damaged file; returns whether it ended in an error.
    @discardableResult
    func check(_ run: Subprocess.Outcome, damage: Damage, changes: [(position: Int, byte: UInt8)], layout: Layout,
               namedFiles: [String], label: String) -> Bool {
        let errorLines = run.stderr.split(separator: "\n").filter { $0.contains("error:") }
        let context = "\(label), \(damage): status \(run.status), stderr:\n\(run.stderr.suffix(1500))"
        #expect(!run.timedOut, "hung: \(context)")
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("*** Signal"), "crashed: \(context)")
        if case .truncation = damage {
            #expect(run.status == 1, "a truncated file was accepted or crashed: \(context)")
        } else if run.status == 0 {
            #expect(changes.allSatisfy { layout.undetectable($0.position, to: $0.byte) }, "a damaged header was accepted: \(context)")
        } else {
            #expect(run.status == 1, "ended on a signal or another status: \(context)")
        }
        if run.status == 1 {
            #expect(errorLines.count == 1, "not one error line: \(context)")
            #expect(errorLines.first.map { line in namedFiles.contains { line.contains($0) } } == true, "the error names no file: \(context)")
        } else {
            #expect(errorLines.isEmpty, "error lines on success: \(context)")
        }
        return run.status == 1
    }

    static func cohort() throws -> String {
        try Subprocess.simulatedCohort("fuzz", regions: 30, individuals: 40, inputLen: 2000, seed: 2)
    }

    @Test func damagedCheckpointsThroughPredict() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checkpoint = dir + "/model.safetensors", fasta = dir + "/items.fa"
        let made = try Subprocess.alone(["init-model", "--input-len", "2000", "--first-layer-kernel-number", "8", "--int-layers-kernel-number", "8",
                                         "--hidden-size", "8", "--n-conv-blocks", "3", "--out", checkpoint, "--seed", "5"])
        #expect(made.status == 0, "\(made.combined)")
        let sequences = try Subprocess.alone(["sequences", "--config", dir + "/sage.toml", "--individual", "IND0037",
                                              "--region", "G0001", "--region", "G0002"])
        #expect(sequences.status == 0, "\(sequences.stderr)")
        try sequences.stdout.write(toFile: fasta, atomically: true, encoding: .utf8)
        let intact = try Subprocess.alone(["predict", "--checkpoint", checkpoint, "--sequences", fasta])
        #expect(intact.status == 0 && intact.stdout.hasPrefix("item,pred_mean,pred_diff\nG0001|IND0037,"), "\(intact.combined)")

        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: checkpoint)))
        let layout = Layout(original, key: SAGENet.configMetadataKey)
        var rng = SplitMix64(seed: 20_251_201)
        var errors = 0
        let damaged = dir + "/damaged.safetensors"
        for i in 0..<100 {
            let damage = Damage.random(size: original.count, headerEnd: layout.dataStart, rng: &rng)
            let (bytes, changes) = damage.apply(original)
            try Data(bytes).write(to: URL(fileURLWithPath: damaged))
            let run = try Subprocess.alone(["predict", "--checkpoint", damaged, "--sequences", fasta], timeout: 30)
            if check(run, damage: damage, changes: changes, layout: layout, namedFiles: [damaged, fasta], label: "case \(i)") { errors += 1 }
        }
        // Half the flips aim at the header and a quarter of the cases truncate: most cases must be refused.
        #expect(errors >= 50, "only \(errors) of 100 damaged checkpoints were refused")
    }

    @Test func damagedTrainingStatesThroughResume() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let prepared = try Subprocess.alone(["prepare", "--config", dir + "/sage.toml"])
        #expect(prepared.status == 0, "\(prepared.combined)")
        let run = dir + "/run"
        let small = ["first_layer_kernel_number=8", "int_layers_kernel_number=8", "hidden_size=8", "batch_size=4"].flatMap { ["--set", $0] }
        let trained = try Subprocess.alone(["train", "--config", dir + "/sage.toml", "--out", run, "--max-steps", "2"] + small)
        #expect(trained.status == 0, "\(trained.combined)")
        let statePath = run + "/state.safetensors"
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: statePath)))
        let layout = Layout(original, key: "train_state")

        var rng = SplitMix64(seed: 20_251_202)
        var errors = 0
        let fm = FileManager.default
        for i in 0..<50 {
            let copy = dir + "/resume-\(i)"
            try fm.copyItem(atPath: run, toPath: copy)
            defer { try? fm.removeItem(atPath: copy) }
            let damage = Damage.random(size: original.count, headerEnd: layout.dataStart, rng: &rng)
            let (bytes, changes) = damage.apply(original)
            try Data(bytes).write(to: URL(fileURLWithPath: copy + "/state.safetensors"))
            let resumed = try Subprocess.alone(["train", "--resume", copy, "--max-steps", "3"], timeout: 30)
            if check(resumed, damage: damage, changes: changes, layout: layout, namedFiles: [copy + "/state.safetensors"], label: "case \(i)") {
                errors += 1
            }
        }
        #expect(errors >= 25, "only \(errors) of 50 damaged states were refused")
    }
}
