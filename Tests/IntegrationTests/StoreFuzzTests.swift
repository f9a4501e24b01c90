import Foundation
import Testing

/// Seeded random damage to a prepared store, each case on a fresh copy, read by `sage-mpi evaluate`: 1-4 flipped
/// bytes or a truncation or extension of the part file, and a few flips and truncations of the manifest. Every
/// case must end with exit status 1 (not a signal), exactly one "error:" line naming the store's file and saying
/// to re-run prepare, and no predictions. The undamaged store evaluates first, so the command is known to work.
@Suite(.serialized) struct StoreFuzzTests {
    enum Damage: CustomStringConvertible {
        case flip(file: String, offsets: [Int], masks: [UInt8]), truncate(file: String, to: Int), extend(file: String, by: Int)
        var description: String {
            switch self {
            case .flip(let f, let o, let m): "flip \(zip(o, m).map { "\($0)^\($1)" }) in \(f)"
            case .truncate(let f, let n): "truncate \(f) to \(n) bytes"
            case .extend(let f, let n): "extend \(f) by \(n) bytes"
            }
        }
        func apply(in store: String) throws {
            let url: URL
            switch self { case .flip(let f, _, _), .truncate(let f, _), .extend(let f, _): url = URL(fileURLWithPath: store + "/" + f) }
            var bytes = [UInt8](try Data(contentsOf: url))
            switch self {
            case .flip(_, let offsets, let masks): for (o, m) in zip(offsets, masks) { bytes[o] ^= m }
            case .truncate(_, let n): bytes.removeLast(bytes.count - n)
            case .extend(_, let n): bytes += [UInt8](repeating: 0, count: n)
            }
            try Data(bytes).write(to: url)
        }
    }

    @Test func damagedStoreIsOneErrorNeverACrashOrPredictions() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("sage-fuzz-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: dir) }
        let setup = [
            ["simulate", "--out", dir, "--regions", "12", "--individuals", "12", "--input-len", "500", "--seed", "3"],
            ["prepare", "--config", dir + "/sage.toml"],
            ["init-model", "--input-len", "500", "--first-layer-kernel-number", "8", "--int-layers-kernel-number", "8",
             "--hidden-size", "8", "--n-conv-blocks", "2", "--out", dir + "/model.safetensors"],
        ]
        for args in setup {
            let run = try Subprocess.alone(args)
            try #require(run.status == 0, "\(args[0]): \(run.combined)")
        }
        func evaluate(store: String, out: String) throws -> Subprocess.Outcome {
            try Subprocess.alone(["evaluate", "--checkpoint", dir + "/model.safetensors", "--config", dir + "/sage.toml",
                                  "--set", "store=\(store)", "--out", out, "--regions", "all", "--individuals", "all"])
        }
        let good = try evaluate(store: dir + "/store", out: dir + "/eval-good")
        try #require(good.status == 0 && good.reason == .exit, "the undamaged store: \(good.combined)")
        let predictions = try String(contentsOfFile: dir + "/eval-good/predictions.csv", encoding: .utf8)
        #expect(predictions.split(separator: "\n").count == 1 + 12 * 12)

        let partBytes = try #require(fm.contents(atPath: dir + "/store/part-00000.bin")).count
        let manifestBytes = try #require(fm.contents(atPath: dir + "/store/manifest.json")).count
        var state: UInt64 = 2024
        func next(_ n: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) % n }
        func flip(_ file: String, _ size: Int) -> Damage {
            var offsets: [Int] = []
            for _ in 0..<(1 + next(4)) { let o = next(size); if !offsets.contains(o) { offsets.append(o) } }  // distinct: no flip undoes another
            return .flip(file: file, offsets: offsets, masks: offsets.map { _ in UInt8(1 + next(255)) })
        }
        var cases: [Damage] = []
        for _ in 0..<80 { cases.append(flip("part-00000.bin", partBytes)) }
        for _ in 0..<12 { cases.append(.truncate(file: "part-00000.bin", to: next(partBytes))) }
        for _ in 0..<3 { cases.append(.extend(file: "part-00000.bin", by: 1 + next(64))) }
        for _ in 0..<8 { cases.append(flip("manifest.json", manifestBytes)) }
        for _ in 0..<4 { cases.append(.truncate(file: "manifest.json", to: next(manifestBytes))) }

        let store = dir + "/case/store", out = dir + "/case/eval"
        for damage in cases {
            try? fm.removeItem(atPath: dir + "/case")
            try fm.createDirectory(atPath: dir + "/case", withIntermediateDirectories: true)
            try fm.copyItem(atPath: dir + "/store", toPath: store)
            try damage.apply(in: store)
            let run = try evaluate(store: store, out: out)
            let errors = run.stderr.split(separator: "\n").filter { $0.contains("error:") }
            #expect(run.reason == .exit && run.status == 1, "\(damage): \(run.reason == .exit ? "exit" : "signal") \(run.status): \(run.stderr)")
            #expect(errors.count == 1, "\(damage): \(run.stderr)")
            #expect(errors.first.map { $0.contains(store + "/") && $0.contains("re-run `sage-mpi prepare`") } == true, "\(damage): \(run.stderr)")
            #expect(!fm.fileExists(atPath: out + "/predictions.csv"), "\(damage): predictions written")
        }
    }
}
