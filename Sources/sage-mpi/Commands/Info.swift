import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEEngine
import SAGEGenome

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the world size, each rank's host and threads, and the MPI, BLAS and htslib in use.",
        discussion: "Works alone (one process, no MPI) and under `mpirun -np P sage-mpi info`.")

    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        try runOnRanks(runtime) { ctx in
            let host = ProcessInfo.processInfo.hostName
            let row = [String(ctx.comm.rank), host, String(ThreadPolicy.availableCPUs), String(ctx.threads)]
                .joined(separator: "\t")
            guard let rows = try ctx.comm.gather(string: row, root: 0) else { return }
            let mode = ctx.usesMPI ? "MPI" : "single process, MPI not initialised"
            var out = """
            sage-mpi \(SageVersion.string)
            world size:   \(ctx.comm.size) rank\(ctx.comm.size == 1 ? "" : "s") (\(mode))
            MPI library:  \(MPIRuntime.libraryVersion) (MPI \(MPIRuntime.standardVersion))
            BLAS:         \(BLAS.config) (kernels: \(BLAS.coreName); single-threaded inside sage-mpi's thread pool)
            htslib:       \(HTSLib.version)


            """
            out += formatTable(header: ["rank", "host", "cpus", "threads"],
                               rows: rows.map { $0.split(separator: "\t").map(String.init) })
            print(out, terminator: "")
        }
    }
}

/// Left-aligned columns separated by two spaces.
func formatTable(header: [String], rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { c in all.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
    return all.map { row in
        row.enumerated().map { c, cell in cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }.joined(separator: "\n") + "\n"
}
