import Testing
@testable import SAGEEngine

@Suite struct ThreadPolicyTests {
    /// 2 online CPUs: at most 8 threads.
    func resolve(_ requested: Int?, _ environment: [String: String]) throws -> Int {
        try ThreadPolicy.resolve(requested: requested, environment: environment, onlineCPUs: 2)
    }

    /// The error message for `requested` and `environment`, or nil when they resolve.
    func message(_ requested: Int?, _ environment: [String: String]) -> String? {
        do {
            _ = try resolve(requested, environment)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func explicitRequestWinsThenEnvironmentThenAffinity() throws {
        #expect(try resolve(3, ["SAGE_NUM_THREADS": "5"]) == 3)
        #expect(try resolve(nil, ["SAGE_NUM_THREADS": "5", "OPENBLAS_NUM_THREADS": "2"]) == 5)
        #expect(try resolve(nil, ["OPENBLAS_NUM_THREADS": "2"]) == 2)
        #expect(try resolve(nil, ["SAGE_NUM_THREADS": " 4 "]) == 4)
        #expect(try resolve(nil, [:]) == ThreadPolicy.availableCPUs)
        #expect(ThreadPolicy.availableCPUs >= 1)
    }

    @Test(arguments: ["0", "-3", "abc", "", "2.5", "zero", "99999999999999999999"])
    func badSageNumThreadsIsAnErrorNamingIt(text: String) {
        let error = message(nil, ["SAGE_NUM_THREADS": text, "OPENBLAS_NUM_THREADS": "2"])
        #expect(error?.hasPrefix("SAGE_NUM_THREADS must be") == true, "\(String(describing: error))")
        #expect(error?.hasSuffix("got '\(text)' (or unset it).") == true || error?.hasSuffix("got \(text).") == true,
                "\(String(describing: error))")
    }

    @Test func badOpenBLASNumThreadsIsAnErrorOnlyWhenItIsTheFallback() throws {
        #expect(message(nil, ["OPENBLAS_NUM_THREADS": "lots"]) == "OPENBLAS_NUM_THREADS must be a whole number of threads from 1 to 8, got 'lots' (or unset it).")
        #expect(message(nil, ["OPENBLAS_NUM_THREADS": "0"]) == "OPENBLAS_NUM_THREADS must be at least 1, got 0.")
        #expect(try resolve(nil, ["SAGE_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "lots"]) == 2)
        #expect(try resolve(1, ["OPENBLAS_NUM_THREADS": "lots"]) == 1)
    }

    @Test func countsAreBoundedByFourPerOnlineCPU() throws {
        #expect(try resolve(8, [:]) == 8)
        #expect(message(9, [:]) == "--threads must be at most 8 (4 threads per online CPU; this machine has 2), got 9.")
        #expect(message(99_999_999_999, [:]) == "--threads must be at most 8 (4 threads per online CPU; this machine has 2), got 99999999999.")
        #expect(message(0, [:]) == "--threads must be at least 1, got 0.")
        #expect(message(nil, ["SAGE_NUM_THREADS": "9"]) == "SAGE_NUM_THREADS must be at most 8 (4 threads per online CPU; this machine has 2), got 9.")
        #expect(ThreadPolicy.maximumThreads() == 4 * ThreadPolicy.onlineCPUs)
        #expect(ThreadPolicy.onlineCPUs >= 1)
    }

    @Test func blasThreadCountCanBeSet() {
        BLAS.setThreads(1)
        #expect(BLAS.threads == 1)
        #expect(BLAS.config.contains("OpenBLAS"))
    }
}
