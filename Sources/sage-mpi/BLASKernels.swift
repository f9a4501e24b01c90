import Foundation
import SAGEEngine

/// OpenBLAS chooses its kernels when it loads, before main runs, and on a CPU it does not recognise (a VM
/// reporting a generic model name) it falls back to SSE3 kernels 3-5x slower than this CPU's. When that
/// happened and the user has not chosen (OPENBLAS_CORETYPE unset), the process starts itself again once with
/// OPENBLAS_CORETYPE set to the kernels /proc/cpuinfo's flags allow, before MPI or anything else has started.
/// SAGE_BLAS_REEXEC marks the second start (never a third); if the exec fails, the run goes on with a warning.
enum BLASKernels {
    static func restartWithBetterKernelsIfNeeded() {
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil, env["SAGE_BLAS_REEXEC"] == nil, let core = BLAS.betterCoreType else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv("SAGE_BLAS_REEXEC", "1", 1)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)  // returns only on failure
        unsetenv("OPENBLAS_CORETYPE")
    }
}
