import Testing
@testable import SAGEEngine

@Suite struct ThreadPolicyTests {
    @Test func explicitRequestWinsThenEnvironmentThenAffinity() {
        #expect(ThreadPolicy.resolve(requested: 3, environment: ["SAGE_NUM_THREADS": "5"]) == 3)
        #expect(ThreadPolicy.resolve(requested: nil, environment: ["SAGE_NUM_THREADS": "5", "OPENBLAS_NUM_THREADS": "2"]) == 5)
        #expect(ThreadPolicy.resolve(requested: nil, environment: ["OPENBLAS_NUM_THREADS": "2"]) == 2)
        #expect(ThreadPolicy.resolve(requested: nil, environment: ["SAGE_NUM_THREADS": "zero"]) == ThreadPolicy.availableCPUs)
        #expect(ThreadPolicy.availableCPUs >= 1)
    }

    @Test func blasThreadCountCanBeSet() {
        BLAS.setThreads(1)
        #expect(BLAS.threads == 1)
        #expect(BLAS.config.contains("OpenBLAS"))
    }
}
