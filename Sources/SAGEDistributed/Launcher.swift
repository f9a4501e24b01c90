/// Whether this process was started by an MPI launcher (mpirun, mpiexec, srun with PMI/PMIx), read from the
/// environment before MPI is initialised, so that a command started alone runs without MPI at all.
public struct LaunchEnvironment: Sendable, Equatable {
    /// How to choose between MPI and the single-process communicator (`SAGE_MPI` = auto | always | never).
    public enum Mode: String, Sendable, CaseIterable { case auto, always, never }

    /// True when a launcher's variables are present.
    public let underLauncher: Bool
    /// This process's rank as the launcher announced it, if it did.
    public let rank: Int?
    /// The job's size as the launcher announced it, if it did.
    public let size: Int?

    static let rankKeys = ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "MV2_COMM_WORLD_RANK"]
    static let sizeKeys = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE"]

    public init(environment: [String: String]) {
        rank = Self.rankKeys.lazy.compactMap { environment[$0].flatMap(Int.init) }.first
        size = Self.sizeKeys.lazy.compactMap { environment[$0].flatMap(Int.init) }.first
        underLauncher = rank != nil || size != nil
    }

    /// Whether to initialise MPI under `mode`.
    public func usesMPI(mode: Mode) -> Bool {
        switch mode {
        case .always: true
        case .never: false
        case .auto: underLauncher
        }
    }
}
