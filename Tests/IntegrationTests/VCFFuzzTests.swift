import Foundation
import SAGEEngine
import Testing

/// A bounded, seeded fuzz of the simulated cohort's bgzipped VCF: 60 cases of 1-4 random byte flips, or a
/// truncation, each through `sage-mpi prepare` on a fresh copy of the cohort (the index touched afterwards, so it is
/// not stale). Every case exits 0 or 1, never by a signal or a timeout; a failure prints exactly one "error:" line
/// and leaves no store; a success must build the very store the undamaged VCF gives (a flip htslib does not read or
/// tolerates, such as a BGZF header's MTIME/XFL/OS bytes, or a block no region's window reads), never another one.
@Suite(.serialized) struct VCFFuzzTests {
    enum Damage: CustomStringConvertible {
        case flips([(offset: Int, mask: UInt8)])
        case truncation(Int)
        var description: String {
            switch self {
            case .flips(let f): return "flips " + f.map { "\($0.offset)^0x\(String($0.mask, radix: 16))" }.joined(separator: ", ")
            case .truncation(let n): return "truncated to \(n) bytes"
            }
        }
    }

    /// The case `k` of a VCF of `size` bytes: one in six a truncation, otherwise 1-4 flips of random bits.
    static func damage(case k: Int, size: Int) -> Damage {
        var rng = SplitMix64(seed: 0x5A6E_0000 + UInt64(k))  // a case is reproducible from its number
        if rng.below(6) == 0 { return .truncation(1 + rng.below(size - 1)) }
        return .flips((0..<(1 + rng.below(4))).map { _ in (rng.below(size), UInt8(1 + rng.below(255))) })
    }

    /// The BGZF block starts of `data` (walking BSIZE fields), to say where a flip landed.
    static func blockStarts(_ data: [UInt8]) -> [Int] {
        var starts: [Int] = [], i = 0
        while i + 18 <= data.count { starts.append(i); i += (Int(data[i + 16]) | (Int(data[i + 17]) << 8)) + 1 }
        return starts
    }

    /// A simulated cohort under `base`/pristine with its store's part file (the store itself removed) and VCF bytes.
    static func pristine(under base: String) throws -> (dir: String, part: Data, vcf: [UInt8]) {
        let dir = base + "/pristine"
        let sim = try Subprocess.alone(["simulate", "--out", dir, "--regions", "30", "--individuals", "40", "--input-len", "2000", "--seed", "2"])
        #expect(sim.status == 0, "\(sim.combined)")
        let good = try Subprocess.alone(["prepare", "--config", dir + "/sage.toml"])
        #expect(good.status == 0, "\(good.combined)")
        let part = try Data(contentsOf: URL(fileURLWithPath: dir + "/store/part-00000.bin"))
        try FileManager.default.removeItem(atPath: dir + "/store")
        return (dir, part, [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/cohort.vcf.gz"))))
    }

    /// Copies `pristine` to `dir` with `bytes` as its VCF, the index touched after it.
    static func damagedCopy(of pristine: String, to dir: String, vcf bytes: [UInt8]) throws {
        try FileManager.default.copyItem(atPath: pristine, toPath: dir)
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/cohort.vcf.gz"))
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: dir + "/cohort.vcf.gz.tbi")
    }

    @Test func damagedVCFsFailCleanlyOrBuildTheSameStore() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("sage-fuzz-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let (pristine, goodPart, vcf) = try Self.pristine(under: base)
        let blocks = Self.blockStarts(vcf)
        #expect(blocks.count >= 3, "expected data blocks and the EOF block: \(blocks)")

        let started = Date()
        var failed = 0, undetected: [String] = [], kinds: [String: Int] = [:]
        for k in 0..<60 {
            let dir = base + "/case\(k)"
            let damage = Self.damage(case: k, size: vcf.count)
            var bytes = vcf
            switch damage {
            case .flips(let flips): for f in flips { bytes[f.offset] ^= f.mask }
            case .truncation(let n): bytes.removeLast(vcf.count - n)
            }
            try Self.damagedCopy(of: pristine, to: dir, vcf: bytes)

            let run = try Subprocess.alone(["prepare", "--config", dir + "/sage.toml"], timeout: 20)
            let context = "case \(k) (\(damage)): status \(run.status)\n\(run.stderr)"
            #expect(!run.timedOut, "hung: \(context)")
            #expect(run.status == 0 || run.status == 1, "not a clean exit: \(context)")
            if run.status == 0 {
                // Whatever it read was intact: the store must be the undamaged one.
                let part = try Data(contentsOf: URL(fileURLWithPath: dir + "/store/part-00000.bin"))
                #expect(part == goodPart, "a damaged VCF gave another store: \(context)")
                let places: [String]
                switch damage {
                case .flips(let flips):
                    places = flips.map { f in
                        let start = blocks.last { $0 <= f.offset }!
                        return "block@\(start)+\(f.offset - start)"
                    }
                case .truncation: places = ["truncation"]
                }
                undetected.append("case \(k): \(places.joined(separator: ", "))")
            } else {
                failed += 1
                let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
                #expect(errors.count == 1, "not exactly one error line: \(context)")
                // The kind of error, without paths and regions: the text up to the first ';' or " while".
                let text = errors.first.map { $0.replacingOccurrences(of: dir + "/", with: "") } ?? ""
                kinds[String(text.prefix { $0 != ";" }.components(separatedBy: " while ")[0]), default: 0] += 1
                #expect(text.contains("corrupt") || text.contains("truncated"), "damage not reported as such: \(context)")
                #expect(errors.first?.contains("cohort.vcf.gz") == true, "the error does not name the VCF: \(context)")
                #expect(!FileManager.default.fileExists(atPath: dir + "/store") && !FileManager.default.fileExists(atPath: dir + "/store.partial"),
                        "output left behind: \(context)")
            }
            try FileManager.default.removeItem(atPath: dir)
        }
        // Most damage is detected; what was not (and built the same store) is printed for the record.
        #expect(failed >= 40, "only \(failed) of 60 damaged VCFs were refused; undetected: \(undetected)")
        print("VCF fuzz: \(failed) of 60 refused, \(undetected.count) built the undamaged store (\(undetected.joined(separator: "; "))); \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        for (kind, n) in kinds.sorted(by: { $0.value > $1.value }) { print("  \(n) x \(kind)") }
    }

    /// The bytes no reader checks, MTIME, XFL and OS of every data block's gzip header (not the EOF block's, which
    /// htslib compares whole), all flipped at once: tolerated, and the store is the undamaged one.
    @Test func unusedBGZFHeaderBytesAreTolerated() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("sage-fuzz-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let (pristine, goodPart, vcf) = try Self.pristine(under: base)
        var bytes = vcf
        for start in Self.blockStarts(vcf).dropLast() { for i in 4...9 { bytes[start + i] ^= 0xa5 } }
        try Self.damagedCopy(of: pristine, to: base + "/flipped", vcf: bytes)
        let run = try Subprocess.alone(["prepare", "--config", base + "/flipped/sage.toml"], timeout: 20)
        #expect(run.status == 0, "\(run.combined)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: base + "/flipped/store/part-00000.bin")) == goodPart)
    }
}

extension SplitMix64 {
    /// A draw in 0..<n (modulo: the cases' draws as first committed).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
