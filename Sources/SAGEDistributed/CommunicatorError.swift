/// An error from the communication layer: an MPI call that failed (with MPI's own message) or a misuse of the API.
public struct CommunicatorError: Error, CustomStringConvertible, Sendable {
    /// The MPI call or API entry point that failed, e.g. "MPI_Allreduce".
    public let call: String
    /// MPI's error code, or nil for an API misuse detected before calling MPI.
    public let code: Int32?
    /// MPI_Error_string's text, or a description of the misuse.
    public let message: String

    public init(call: String, code: Int32?, message: String) {
        self.call = call
        self.code = code
        self.message = message
    }

    public var description: String {
        if let code { return "\(call) failed (MPI error \(code)): \(message)" }
        return "\(call): \(message)"
    }
}
