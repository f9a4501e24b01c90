import Foundation
import Testing

/// Progress on long work: on a terminal (a tmux pane) rank 0 redraws one line in place; into a file it prints
/// plain lines; --quiet prints none.
@Suite struct ProgressTests {
    static let tmux = ["/usr/bin/tmux", "/usr/local/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let tiny = ["first_layer_kernel_number=8", "int_layers_kernel_number=8", "hidden_size=8", "n_conv_blocks=2",
                       "pooling_size=5", "max_epochs=3", "patience=0", "batch_size=4"].flatMap { ["--set", $0] }

    @Test(.enabled(if: tmux != nil, "needs tmux")) func trainRedrawsOneLineOnATerminalAndPrintsPlainLinesOtherwise() throws {
        let dir = try Subprocess.simulatedCohort("progress", regions: 24, individuals: 40, inputLen: 300, seed: 2, prepared: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let train = [Subprocess.sageMPI, "train", "--config", dir + "/sage.toml"] + Self.tiny

        // A private tmux server (its own socket), a pane 200 columns wide; the pane's bytes go to raw.log.
        let socket = "sage-progress-\(getpid())"
        // Through bash closing every descriptor above 2: the tmux server would inherit one that Foundation's Process
        // watches, and the client that started it would never seem to end.
        func tmux(_ args: [String]) throws -> Subprocess.Outcome {
            try Subprocess.run("/bin/bash", ["-c", "for i in $(seq 3 255); do eval \"exec $i>&-\"; done 2>/dev/null; exec \"$0\" \"$@\"",
                                             Self.tmux!, "-L", socket] + args, timeout: 20)
        }
        defer { _ = try? tmux(["kill-server"]) }
        let command = "sleep 2; " + (train + ["--out", dir + "/live"]).map { "'\($0)'" }.joined(separator: " ") + " 2>&1; echo EXIT=$?; sleep 300"
        #expect(try tmux(["new-session", "-d", "-s", "p", "-x", "200", "-y", "50", command]).status == 0)
        #expect(try tmux(["pipe-pane", "-t", "p", "-o", "cat > '\(dir)/raw.log'"]).status == 0)
        var screen = ""
        let start = Date()
        while !screen.contains("EXIT=") && Date().timeIntervalSince(start) < 240 {
            Thread.sleep(forTimeInterval: 0.5)
            screen = try tmux(["capture-pane", "-p", "-t", "p"]).stdout
        }
        #expect(screen.contains("EXIT=0"), "\(screen)")
        let raw = String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/raw.log")), as: UTF8.self)
        // Redrawn in place: carriage return, the line, clear to the end of the line; many times, never a new line.
        let redraws = raw.components(separatedBy: "\rtrain: ").count - 1
        #expect(redraws >= 3, "\(raw.prefix(2000))")
        #expect(raw.contains("\u{1B}[K"))
        #expect(raw.contains(" steps (") && raw.contains("lr ") && raw.contains("ETA"))
        #expect(!raw.split(separator: "\n").contains { $0.hasPrefix("train: ") && $0.contains(" steps (") && !$0.contains("\r") }, "a progress line ended in a line feed")
        // The live line is gone once the run ends (the screen keeps the log lines only).
        #expect(!screen.contains(" steps ("), "\(screen)")
        #expect(screen.contains("train: done in"))

        // Not a terminal: plain lines (at least the last step's), no escapes.
        let plain = try Subprocess.alone(Array(train.dropFirst()) + ["--out", dir + "/plain"], timeout: 240)
        #expect(plain.status == 0, "\(plain.combined)")
        #expect(plain.stderr.split(separator: "\n").contains { $0.hasPrefix("train: ") && $0.contains(" steps (100%)") }, "\(plain.stderr)")
        #expect(!plain.stderr.contains("\u{1B}") && !plain.stderr.contains("\r"))
        // The other commands' progress, plain: each ends with its 100% line (rank 0's share: all of it on one rank).
        let evaluate = try Subprocess.alone(["evaluate", "--checkpoint", dir + "/plain/best.safetensors", "--config", dir + "/sage.toml",
                                             "--regions", "all", "--individuals", "test", "--out", dir + "/eval"], timeout: 240)
        #expect(evaluate.status == 0 && evaluate.stderr.contains("evaluate: rank 0 24/24 regions (100%)"), "\(evaluate.combined)")
        let predixcan = try Subprocess.alone(["baseline", "predixcan", "--config", dir + "/sage.toml", "--out", dir + "/px"], timeout: 240)
        #expect(predixcan.status == 0 && predixcan.stderr.contains("predixcan: rank 0 24/24 regions (100%)"), "\(predixcan.combined)")
        let prepare = try Subprocess.alone(["prepare", "--config", dir + "/sage.toml", "--set", "store=\(dir)/store2"], timeout: 240)
        #expect(prepare.status == 0 && prepare.stderr.contains("prepare: rank 0 24/24 regions (100%)"), "\(prepare.combined)")
        // --quiet: none, the results still.
        let quiet = try Subprocess.alone(Array(train.dropFirst()) + ["--out", dir + "/quiet", "--quiet"], timeout: 240)
        #expect(quiet.status == 0 && !quiet.stderr.contains(" steps (") && quiet.stderr.contains("train: done in"), "\(quiet.stderr)")
    }
}
