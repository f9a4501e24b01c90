import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEEngine
import SAGEGenome

struct BenchPrediXcan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predixcan",
        abstract: "Regions per second per core of PrediXcan's elastic net, and the same matrices for scikit-learn.",
        discussion: """
        Simulates a cohort (default: SAGE-net's size, 859 individuals, at --variants-per-kb within a 40 kb \
        window), builds every region's dosage matrix as `baseline predixcan` does, and times, on one thread, \
        feature extraction and the elastic net (penalty path on the training individuals, scored on the \
        validation individuals, refit). Writes the matrices and our chosen penalties to --work-dir; then \
        `python tools/sklearn_predixcan_bench.py WORK_DIR` times scikit-learn's ElasticNetCV + ElasticNet refit on \
        the same matrices and prints the ratio. With --config, uses that configuration's cohort instead.
        """)

    @OptionGroup var config: ConfigOptions
    @Option(help: "Simulated individuals.") var individuals = 859
    @Option(help: "Simulated regions.") var regions = 40
    @Option(help: "Window (input_len of the simulated cohort).") var window = 40000
    @Option(help: "Simulated variant density per kb.") var variantsPerKb = 10.0
    @Option(help: "Where to write the matrices for scikit-learn (default: predixcan-bench in the current directory).") var workDir = "predixcan-bench"
    @Option(help: "Timed repetitions of the elastic net over all regions.") var repeats = 3

    func run() throws {
        BLAS.setThreads(1)
        try OutputGuard.claim(workDir, kind: "bench-predixcan", inputs: config.config.map { [$0] } ?? [],
                              owns: { $0 == "cohort" || $0 == "manifest.json" || ($0.hasPrefix("region-") && $0.hasSuffix(".f64")) }, replace: true)
        let cfg: RunConfig
        if config.config != nil {
            cfg = try config.load()
        } else {
            var sim = CohortSimulator()
            sim.individuals = individuals; sim.regions = regions; sim.inputLen = window; sim.variantsPerKb = variantsPerKb
            let dir = (workDir as NSString).appendingPathComponent("cohort")
            try sim.write(to: dir)
            cfg = try RunConfig(file: dir + "/sage.toml")
        }
        let inputs = try PrediXcanInputs(config: cfg)
        try inputs.checkWindows()
        let cv = inputs.crossValidation
        var start = DispatchTime.now().uptimeNanoseconds
        let designs = try inputs.regions.map { region in
            RegionBaseline.crossValidationData(dosages: try inputs.dosages(for: region), y: inputs.targets(for: region), rows: cv.rows)
        }
        let extraction = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let fitted = designs.filter { $0.cols > 0 }
        var fits: [ElasticNetFit] = []
        var best = Double.infinity
        for _ in 0..<repeats {
            start = DispatchTime.now().uptimeNanoseconds
            fits = fitted.map { elasticNetCV($0, folds: cv.folds, refitRows: cv.refit, settings: inputs.settings.net) }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        // Matrices for scikit-learn: one float64 file per region (x column-major, then y), and a manifest.
        var manifest: [[String: Any]] = []
        for (k, d) in fitted.enumerated() {
            let name = String(format: "region-%05d.f64", k)
            var data = Data()
            d.x.withUnsafeBytes { data.append(contentsOf: $0) }
            d.y.withUnsafeBytes { data.append(contentsOf: $0) }
            try data.write(to: URL(fileURLWithPath: (workDir as NSString).appendingPathComponent(name)))
            manifest.append(["file": name, "rows": d.rows, "cols": d.cols, "alpha": fits[k].alpha, "best_index": fits[k].bestIndex,
                             "weights_l1": fits[k].weights.map(abs).reduce(0, +)])
        }
        let s = inputs.settings.net
        let rate = Double(fitted.count) / best
        let summary: [String: Any] = ["regions": manifest, "folds": cv.folds, "refit_rows": cv.refit, "l1_ratio": s.l1Ratio,
                                      "n_alphas": s.alphaCount, "eps": s.eps, "tol": s.tol, "max_iter": s.maxIter,
                                      "ours_regions_per_second": rate]
        try AtomicFile.write(JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys]),
                             to: (workDir as NSString).appendingPathComponent("manifest.json"))
        let p = fitted.map(\.cols), n = cv.rows
        print("bench predixcan: one thread; \(inputs.regions.count) regions (\(fitted.count) with features), \(n) individuals in the CV (\(inputs.rows.train.count) train), features per region min \(p.min() ?? 0) / median \(p.sorted()[p.count / 2]) / max \(p.max() ?? 0)")
        print(String(format: "feature extraction (VCF -> dosages): %.1f regions/s", Double(inputs.regions.count) / extraction))
        print(String(format: "elastic net (%d penalties, path + validation + refit): %.1f regions/s (%.2f ms per region), best of %d", s.alphaCount, rate, 1000 / rate, repeats))
        print("scikit-learn on the same matrices: python tools/sklearn_predixcan_bench.py \(workDir)")
    }
}
