import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEEngine
import SAGEGenome

struct BenchData: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Items per second per core from the variant store: reference + maternal + paternal as bytes and as one-hot.",
        discussion: """
        Without --config, simulates a cohort per --input-len (default 40000 and 10000; --individuals x --regions \
        at --variants-per-kb), prepares its store (timed: the cold `prepare`) and reads every item once in a \
        seeded random order, on one thread. With --config, uses that configuration's store (prepared into a \
        temporary directory when it has none). SAGE-net's pysam loader: ANCHORS.md (~100 items/s at 40 kb, \
        287 at 10 kb) or tools/sagenet_loader.py on the same cohort.
        """)

    @OptionGroup var config: ConfigOptions
    @Option(parsing: .upToNextOption, help: "Window lengths to simulate (without --config).") var inputLen: [Int] = [40000, 10000]
    @Option(help: "Simulated individuals.") var individuals = 200
    @Option(help: "Simulated regions.") var regions = 20
    @Option(help: "Simulated variant density per kb (cohort density ~10).") var variantsPerKb = 10.0
    @Option(help: "Passes over all items for each measurement.") var passes = 1
    @Option(help: "Keep the simulated cohorts here (default: a temporary directory, removed).") var workDir: String?

    func run() throws {
        let fm = FileManager.default
        let work = workDir ?? fm.temporaryDirectory.appendingPathComponent("sage-bench-data-\(UUID().uuidString)").path
        defer { if workDir == nil { try? fm.removeItem(atPath: work) } }
        if let workDir {
            try OutputGuard.claim(workDir, kind: "bench-data", inputs: config.config.map { [$0] } ?? [])
        }
        let log = RankLog(rank: 0, size: 1, level: .warning)
        var configs: [(simulated: Bool, config: RunConfig)] = []
        if config.config != nil {
            configs = [(false, try config.load())]
        } else {
            for L in inputLen {
                var sim = CohortSimulator()
                sim.individuals = individuals; sim.regions = regions; sim.inputLen = L; sim.variantsPerKb = variantsPerKb
                let dir = (work as NSString).appendingPathComponent("L\(L)")
                try sim.write(to: dir)
                configs.append((true, try RunConfig(file: dir + "/sage.toml")))
            }
        }
        print("bench data: one thread; item = reference + maternal + paternal, \(passes) pass(es) over every item in random order")
        print("input_len  cohort                       prepare_s  bytes_items/s  bytes_GB/s  onehot_items/s  onehot_GB/s  vs_SAGE-net_loader")
        for (simulated, cfg) in configs {
            var storeDir = try cfg.paths.store.required(for: "")
            var prepareSeconds = Double.nan
            if simulated || !fm.fileExists(atPath: VariantStore.manifestPath(storeDir)) {
                if !simulated { storeDir = (work as NSString).appendingPathComponent("store") }
                let t = Date()
                _ = try prepareStore(config: cfg, out: storeDir, comm: SingleProcessCommunicator(), log: log)
                prepareSeconds = Date().timeIntervalSince(t)
            }
            let store = try VariantStore(directory: storeDir)
            let dataset = PersonalDataset(store: store, options: cfg.data.sequence)
            let L = store.inputLen
            var items = (0..<store.regionCount).flatMap { r in (0..<store.individualCount).map { (r, $0) } }
            var rng = SplitMix64(seed: 1)
            items.shuffle(using: &rng)
            let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: 3 * L), floats = FloatBuffer(count: 3 * 4 * L)
            defer { bytes.deallocate() }
            var checksum = 0
            let byteRate = measure(items.count * passes) {
                for _ in 0..<passes { for (r, i) in items { for c in 0..<3 { dataset.sequence(region: r, individual: i, channel: c, into: bytes + c * L) }; checksum &+= Int(bytes[L / 2]) } }
            }
            let hotRate = measure(items.count * passes) {
                for _ in 0..<passes { for (r, i) in items { for c in 0..<3 { dataset.oneHot(region: r, individual: i, channel: c, into: floats.pointer + c * 4 * L) } } }
            }
            let anchor: Double? = L == 40000 ? 100 : L == 10000 ? 287 : L == 2000 ? 424 : nil
            let cohort = "\(store.regionCount) x \(store.individualCount) (\(store.manifest.report.records) rec)".padding(toLength: 28, withPad: " ", startingAt: 0)
            print(String(format: "%-10d %@ %9.2f  %13.0f  %10.2f  %14.0f  %11.2f  %@", L, cohort as NSString, prepareSeconds,
                         byteRate, byteRate * Double(3 * L) / 1e9, hotRate, hotRate * Double(3 * 16 * L) / 1e9,
                         (anchor.map { String(format: "%.0fx bytes, %.0fx one-hot (anchor %.0f items/s)", byteRate / $0, hotRate / $0, $0) } ?? "no anchor") as NSString))
            _ = checksum
        }
    }

    /// Items per second of `body`, which handles `count` items.
    func measure(_ count: Int, _ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
