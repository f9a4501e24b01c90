import Foundation

/// MEME version 4 text for `motifs` (DNA, both strands, uniform background), each as `MOTIF id [altName]`, a
/// `letter-probability matrix: alength= 4 w= L nsites= N E= E` line (the motif's own nsites/E, else 20 and 0) and
/// one row of A C G T values per position. Values are written as given, so a CWM's negative entries stay (as in
/// SAGE-net's `cluster_cwms.meme`); with `decimals` nil each value is Swift's shortest round-tripping form, so
/// `parseMEME(formatMEME(m))` gives back `m` exactly; with `decimals` (drg_tools' `round=2`) fixed-point. Commands
/// write the text with AtomicFile (nothing half-written under the final name).
public func formatMEME(_ motifs: [Motif], decimals: Int? = nil) -> String {
    var out = "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\nBackground letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n"
    func number(_ v: Double) -> String {
        guard let decimals else { return v == v.rounded() && abs(v) < 1e15 ? String(format: "%.1f", v) : "\(v)" }
        return String(format: "%.\(decimals)f", v)
    }
    func field(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)" }
    for m in motifs {
        out += "MOTIF \(m.id)" + (m.altName.map { " " + $0 } ?? "") + "\n"
        out += "letter-probability matrix: alength= 4 w= \(m.length) nsites= \(field(m.nsites ?? 20)) E= \(field(m.evalue ?? 0))\n"
        for p in 0..<m.length {
            out += (0..<4).map { number(m[p, $0]) }.joined(separator: "\t") + "\n"
        }
        out += "\n"
    }
    return out
}
