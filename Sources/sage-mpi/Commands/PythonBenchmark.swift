import Foundation

/// Runs a reference implementation's benchmark script (`python script arguments...`) on one thread (OMP, MKL and
/// numba limited to 1) and returns the JSON object on the last line of its output. A failure is one error naming the
/// script, its status, the last lines of its standard error and what must be installed (`needs`).
func runPythonBenchmark(_ python: String, script: String, arguments: [String], needs: String) throws -> [String: Any] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [script] + arguments
    var environment = ProcessInfo.processInfo.environment
    for key in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"] { environment[key] = "1" }
    process.environment = environment
    // Standard error goes to a file, so that a chatty script cannot block on a full pipe while we read its output.
    let errorPath = (NSTemporaryDirectory() as NSString).appendingPathComponent("sage-bench-\(getpid())-\(UUID().uuidString).err")
    guard FileManager.default.createFile(atPath: errorPath, contents: nil), let errors = FileHandle(forWritingAtPath: errorPath) else {
        throw CommandError("\(errorPath): cannot create a file for \(script)'s messages")
    }
    defer { try? errors.close(); try? FileManager.default.removeItem(atPath: errorPath) }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = errors
    do { try process.run() } catch { throw CommandError("\(python): cannot run it (\(error.localizedDescription))") }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
          let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
        let messages = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        throw CommandError("\(python) \(script) failed (status \(process.terminationStatus)): \(messages.split(separator: "\n").suffix(3).joined(separator: " | ")); is \(needs) installed in that Python?")
    }
    return json
}

/// Two sides of a comparison timed in alternating rounds (ours, then theirs, in each), so that a shared machine's
/// changing speed falls on both: each side's best time and every round's ratio theirs / ours. `first` is our time
/// for round 0, already taken.
struct AlternatingRounds {
    private(set) var ours = Double.infinity, theirs = Double.infinity, ratios: [Double] = []

    init(rounds: Int, first: Double, ours timeOurs: () -> Double, theirs timeTheirs: () throws -> Double) rethrows {
        for round in 0..<rounds {
            let mine = round == 0 ? first : timeOurs()
            let other = try timeTheirs()
            ours = min(ours, mine)
            theirs = min(theirs, other)
            ratios.append(other / mine)
        }
    }

    /// "1.02x, 0.97x, ..."
    var roundRatios: String { ratios.map { String(format: "%.2fx", $0) }.joined(separator: ", ") }
}
