// swift-tools-version:6.0
import PackageDescription
import Foundation

// Code generation for the hot SIMD loops. Swift's default x86-64 target has no FMA, so numeric code must name a
// CPU. Default: `haswell` (AVX2 + FMA, every x86-64 server since 2013) when the build machine has AVX2 and FMA,
// otherwise the baseline target. Override with SAGE_TARGET_CPU=<cpu> (e.g. znver4, skylake-avx512, native) or
// SAGE_TARGET_CPU=none for the baseline. See README "Building for another CPU".
func targetCPUFlags() -> [String] {
    let env = ProcessInfo.processInfo.environment["SAGE_TARGET_CPU"] ?? "auto"
    if env == "none" || env.isEmpty { return [] }
    if env != "auto" { return ["-target-cpu", env] }
    #if arch(x86_64)
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let flags = Set(cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }?
        .split(separator: " ").map(String.init) ?? [])
    return flags.contains("avx2") && flags.contains("fma") ? ["-target-cpu", "haswell"] : []
    #else
    return []
    #endif
}

let cpu = targetCPUFlags()
let numericSettings: [SwiftSetting] = cpu.isEmpty ? [] : [.unsafeFlags(cpu)]
// The C kernels: the same CPU as the Swift code (their default clone), optimised in every build, and never a fused
// multiply-add (their results must equal the references' bit for bit).
let kernelFlags: [CSetting] = [.unsafeFlags(["-O3", "-ffp-contract=off"] + (cpu.count == 2 ? ["-march=\(cpu[1])"] : []))]

let package = Package(
    name: "sage-mpi",
    products: [
        .executable(name: "sage-mpi", targets: ["sage-mpi"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // MARK: C system libraries (module.modulemap + shim.h of static inline wrappers; one Swift file imports each)
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .systemLibrary(name: "CHTSlib", path: "Sources/CHTSlib", pkgConfig: "htslib",
                       providers: [.apt(["libhts-dev"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),

        // MARK: C kernels (each built for AVX-512 and for the target above; AVX-512 used where the CPU has it)
        .target(name: "CKernels", path: "Sources/CKernels", cSettings: kernelFlags),

        // MARK: Libraries
        .target(name: "SAGEEngine", dependencies: ["CBLAS"], exclude: ["README.md"], swiftSettings: numericSettings),
        .target(name: "SAGEGenome", dependencies: ["CHTSlib", "CKernels"], swiftSettings: numericSettings),
        // Ranks: communicators (MPI and one-process), the collective watch, dealing work, data-parallel training
        // steps, staged outputs, parallel prediction and similarity.
        .target(name: "SAGEDistributed",
                dependencies: ["CMPI", "SAGEEngine", "SAGEGenome", .product(name: "Logging", package: "swift-log")],
                swiftSettings: numericSettings),
        // The application: configuration, cohorts and stores, training runs, evaluation, baselines,
        // interpretation, sweeps; what the commands run, built on the three layers below.
        .target(name: "SAGEPipeline",
                dependencies: ["SAGEDistributed", "SAGEEngine", "SAGEGenome", .product(name: "Logging", package: "swift-log"),
                               .product(name: "TOMLKit", package: "TOMLKit")],
                swiftSettings: numericSettings),
        .target(name: "SAGEReport", dependencies: ["SAGEPipeline", "SAGEDistributed", "SAGEEngine", "SAGEGenome"]),

        // MARK: Executable
        .executableTarget(name: "sage-mpi",
                          dependencies: ["SAGEDistributed", "SAGEPipeline", "SAGEEngine", "SAGEGenome", "SAGEReport",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "Logging", package: "swift-log")],
                          swiftSettings: numericSettings),

        // MARK: Tests
        .testTarget(name: "SAGEEngineTests", dependencies: ["SAGEEngine"], exclude: ["Fixtures"]),
        .testTarget(name: "SAGEGenomeTests", dependencies: ["SAGEGenome", "CKernels"], exclude: ["Fixtures"]),
        .testTarget(name: "SAGEDistributedTests", dependencies: ["SAGEDistributed", "SAGEEngine", "SAGEGenome"]),
        .testTarget(name: "SAGEPipelineTests", dependencies: ["SAGEPipeline", "SAGEDistributed", "SAGEEngine", "SAGEGenome"]),
        .testTarget(name: "SAGEReportTests", dependencies: ["SAGEReport"]),
        // Depends on the executable so that `swift test` builds the binary it runs under mpirun.
        .testTarget(name: "IntegrationTests", dependencies: ["sage-mpi", "SAGEEngine"], exclude: ["Fixtures"]),
    ]
)
