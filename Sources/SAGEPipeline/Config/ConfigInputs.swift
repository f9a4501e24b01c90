import Foundation

extension RunConfig {
    /// Every input file a command reading this configuration may use: the configuration file (unless
    /// `configFile` is false: a run's own config.toml, which the run rewrites) and every path key, less
    /// `outputs` (keys the command writes).
    public func inputPaths(except outputs: Set<String>, configFile: Bool = true) -> [String] {
        var paths = configFile ? file.map { [$0] } ?? [] : []
        for key in ConfigKeys.all where key.kind == .path && !outputs.contains(key.name) {
            if case .string(let p) = values[key.name] { paths.append(p) }
        }
        for path in [self.paths.fasta, self.paths.vcf] { if let p = path.value { paths += genomeIndexes(of: p) } }
        return paths
    }
}


/// The index files that may stand beside a FASTA or VCF (inputs too).
public func genomeIndexes(of path: String) -> [String] {
    [".fai", ".gzi", ".tbi", ".csi"].map { path + $0 }
}
