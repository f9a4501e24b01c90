import Foundation
import Logging
import Testing
@testable import SAGEDistributed

@Suite struct LaunchEnvironmentTests {
    @Test func aloneMeansNoMPIUnderAuto() {
        let env = LaunchEnvironment(environment: ["PATH": "/usr/bin"])
        #expect(!env.underLauncher && env.rank == nil && env.size == nil)
        #expect(!env.usesMPI(mode: .auto))
        #expect(env.usesMPI(mode: .always))
    }

    @Test func openMPIAndPMIxAreDetected() {
        let ompi = LaunchEnvironment(environment: ["OMPI_COMM_WORLD_RANK": "3", "OMPI_COMM_WORLD_SIZE": "8"])
        #expect(ompi == LaunchEnvironment(environment: ["PMIX_RANK": "3", "PMI_SIZE": "8"]))
        #expect(ompi.underLauncher && ompi.rank == 3 && ompi.size == 8)
        #expect(ompi.usesMPI(mode: .auto))
        #expect(!ompi.usesMPI(mode: .never))
    }
}

@Suite struct RankLogTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [String] = []
        func append(_ s: String) { lock.withLock { storage.append(s) } }
        var all: [String] { lock.withLock { storage } }
    }

    @Test func formatCarriesPrefixLevelAndMetadata() {
        #expect(RankLogHandler.format(prefix: "[rank 1/4] ", level: .warning, message: "slow", metadata: ["step": "7"])
                == "[rank 1/4] warning: slow  step=7\n")
        #expect(RankLogHandler.format(prefix: "", level: .info, message: "done", metadata: [:]) == "done\n")
    }

    @Test func rootLoggerIsSilentOffRankZeroAndLevelFilters() {
        let lines = Lines()
        let off = Logger(label: "t") { _ in RankLogHandler(prefix: "", enabled: false, logLevel: .info, write: lines.append) }
        off.info("hidden")
        let on = Logger(label: "t") { _ in RankLogHandler(prefix: "[rank 0/2] ", enabled: true, logLevel: .notice, write: lines.append) }
        on.info("filtered")
        on.error("shown")
        #expect(lines.all == ["[rank 0/2] error: shown\n"])
    }
}
