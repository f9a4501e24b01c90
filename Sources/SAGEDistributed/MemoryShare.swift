import Foundation

/// This rank's share of its node's memory: physical memory divided by the ranks the launcher put on this node
/// (OpenMPI's OMPI_COMM_WORLD_LOCAL_SIZE, Slurm's SLURM_NTASKS_PER_NODE; one rank otherwise). What a model's
/// memory estimate is checked against before anything large is allocated.
public func memoryShareOfThisRank(environment: [String: String] = ProcessInfo.processInfo.environment) -> UInt64 {
    let local = ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"].lazy
        .compactMap { environment[$0].flatMap { Int($0.split(separator: "(").first ?? "") } }.first ?? 1
    return ProcessInfo.processInfo.physicalMemory / UInt64(max(1, local))
}
