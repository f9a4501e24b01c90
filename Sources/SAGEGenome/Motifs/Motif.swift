/// A DNA motif matrix: `values[position * 4 + letter]`, letters A, C, G, T; L x 4, position-major, the layout of a
/// MEME `letter-probability matrix` (one row per position). A PPM's rows sum to 1; a CWM (contribution weight
/// matrix, e.g. SAGE-net's cluster CWMs) holds signed values. memelite and PyTorch use the transpose, 4 x L;
/// `init(id:letterMajor:)` takes that layout.
public struct Motif: Equatable, Sendable {
    /// The first word after `MOTIF` (e.g. JASPAR's matrix id `MA0004.1`, HOCOMOCO's `AHR.H12CORE.0.P.B`).
    public var id: String
    /// The rest of the `MOTIF` line (JASPAR's name, e.g. `Arnt`), if any.
    public var altName: String?
    /// L x 4, position-major.
    public var values: [Double]
    /// `nsites=` of the matrix line, when given.
    public var nsites: Double?
    /// `E=` of the matrix line, when given.
    public var evalue: Double?

    public init(id: String, altName: String? = nil, values: [Double], nsites: Double? = nil, evalue: Double? = nil) {
        precondition(values.count % 4 == 0, "motif values must be L x 4")
        self.id = id
        self.altName = altName
        self.values = values
        self.nsites = nsites
        self.evalue = evalue
    }

    /// From a 4 x L matrix (`letterMajor[letter][position]`, memelite's and PyTorch's layout).
    public init(id: String, altName: String? = nil, letterMajor: [[Double]]) {
        precondition(letterMajor.count == 4 && Set(letterMajor.map(\.count)).count <= 1, "motif must be 4 x L")
        let length = letterMajor.first?.count ?? 0
        var values = [Double](repeating: 0, count: length * 4)
        for a in 0..<4 { for p in 0..<length { values[p * 4 + a] = letterMajor[a][p] } }
        self.init(id: id, altName: altName, values: values)
    }

    /// Number of positions L.
    public var length: Int { values.count / 4 }

    /// values[position][letter].
    public subscript(position: Int, letter: Int) -> Double { values[position * 4 + letter] }

    /// The reverse complement: positions reversed and A<->T, C<->G (memelite's `T[::-1, ::-1]`).
    public var reverseComplement: Motif {
        var rc = self
        let l = length
        for p in 0..<l { for a in 0..<4 { rc.values[p * 4 + a] = values[(l - 1 - p) * 4 + (3 - a)] } }
        return rc
    }
}
