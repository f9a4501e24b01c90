import SAGEEngine

/// The message a user reads for an error: its description, without Swift's type decoration (a Foundation file
/// error as "<path>: <reason>", not its NSError dump).
public func errorMessage(_ error: any Error) -> String { fileErrorDescription(error) ?? String(describing: error) }
