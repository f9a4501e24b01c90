import SAGEGenome

/// Which p-SAGE-net input ISM mutates, as SAGE-net's save_gene_ism (`which` 0 / 1), always with personal =
/// reference: the reference channels (x[0], channels 0-3) or the maternal haplotype (x[1], channels 0-3; the
/// paternal one stays the reference). r-SAGE-net reads one sequence, listed as `reference`.
public enum ISMInput: String, Sendable, CaseIterable { case reference, personal }

/// The W positions ISM mutates: genome positions [first, first + W) (1-based), first = centre - W/2, on either
/// strand; model indices [modelStart, modelStart + W) (for a reversed region the genome positions run downward).
public struct ISMWindow: Sendable, Equatable {
    public let first: Int, width: Int, modelStart: Int
    public var last: Int { first + width - 1 }

    /// Throws unless the whole window lies inside the region's model input.
    public init(frame: RegionFrame, centre: Int, width: Int) throws {
        first = centre - width / 2
        self.width = width
        guard let a = frame.modelIndex(ofGenomePosition: first), let b = frame.modelIndex(ofGenomePosition: first + width - 1) else {
            throw ConfigError("\(frame.region.described): the ISM window \(frame.contig):\(centre - width / 2)-\(centre - width / 2 + width - 1) (centre \(centre), width \(width)) is not inside the model's input \(frame.described); choose a --center inside it or a smaller --window")
        }
        modelStart = min(a, b)
    }
}

/// The four bases ISM sets at each position, in the tensor's nucleotide order (the model's strand).
let ismBases: [UInt8] = Array("ACGT".utf8)

/// Exhaustive single-base ISM of one region: for each mutated input, each of the 4 bases and each of the W
/// positions (the reference base included: 4 x W predictions, as save_gene_ism), the model's outputs. Returns one
/// array per head (p-SAGE-net: mean, difference; r-SAGE-net: one), each (inputs.count, 4, W) row-major, zero-
/// centred over the 4 bases at each (input, position) unless `raw` (SAGE-net zero-centres on the nucleotide axis;
/// at HEAD it used the wrong axis for (4, W), BUG-15). With `variant`, it is first inserted into the haplotype
/// channels (both; p-SAGE-net's reference channels stay the reference, as SAGE-net's VariantDataset); an indel
/// shifts the bases after it, and the model indices stay the reference's.
public func inSilicoMutagenesis(input: RegionInput, window: ISMWindow, inputs: [ISMInput], variant: VariantRow?, raw: Bool,
                                scorer: any HaplotypeScorer) throws -> [[Float]] {
    var haplotype = ChannelInput(input.sequence)
    if let variant {
        let (inserted, report) = insertVariant(variant, reference: input.genome, windowStart: input.frame.window.lowerBound)
        guard report.applied == 1 else {
            throw ConfigError("\(input.frame.region.described): --variant \(variant.label) does not apply: \(variantProblem(variant, input: input))")
        }
        haplotype = ChannelInput(input.model(inserted))
    }
    let W = window.width
    let items = ismScoringItems(reference: input.sequence, haplotype: haplotype.sequence, modelStart: window.modelStart, width: W,
                                inputs: inputs, psagenet: scorer.outputCount == 2)
    let out = try scorer.score(items)
    let n = scorer.outputCount
    return (0..<n).map { head in
        var values = (0..<items.count).map { out[$0 * n + head] }
        if !raw {
            for i in 0..<inputs.count {
                for k in 0..<W {
                    let at = (0..<4).map { (i * 4 + $0) * W + k }
                    let mean = at.reduce(Float(0)) { $0 + values[$1] } / 4
                    for j in at { values[j] -= mean }
                }
            }
        }
        return values
    }
}

/// The 4 x W mutants of each input, in the tensor's order (input, base, position): p-SAGE-net mutates the reference
/// channels (`reference`, maternal = paternal = `haplotype`) or the maternal haplotype (`personal`, paternal =
/// `haplotype`); r-SAGE-net its one sequence (both haplotype slots, the reference slot unmutated). `reference` and
/// `haplotype` are model-orientation bases; the mutated model indices are modelStart ..< modelStart + width.
public func ismScoringItems(reference: [UInt8], haplotype: [UInt8], modelStart: Int, width W: Int, inputs: [ISMInput],
                            psagenet: Bool) -> [ScoringItem] {
    let base = ChannelInput(reference), unmutated = ChannelInput(haplotype)
    var items: [ScoringItem] = []
    items.reserveCapacity(inputs.count * 4 * W)
    for which in inputs {
        for b in ismBases {
            for k in 0..<W {
                let substitution = (index: modelStart + k, base: b)
                if !psagenet {
                    let mutant = ChannelInput(haplotype, substitution: substitution)
                    items.append(ScoringItem(reference: base, maternal: mutant, paternal: mutant))
                } else if which == .reference {
                    items.append(ScoringItem(reference: ChannelInput(reference, substitution: substitution), maternal: unmutated, paternal: unmutated))
                } else {
                    items.append(ScoringItem(reference: base, maternal: ChannelInput(haplotype, substitution: substitution), paternal: unmutated))
                }
            }
        }
    }
    return items
}

/// Why a variant did not apply to a region's reference window (for messages and the status column).
func variantProblem(_ v: VariantRow, input: RegionInput) -> String {
    let start = v.pos - 1 - input.frame.window.lowerBound
    guard input.frame.sameChromosome(v.chr) else { return "it is on chromosome \(v.chr), the region on \(input.frame.region.chr)" }
    guard start >= 0, start + v.ref.count <= input.genome.count else {
        return "its REF span \(v.chr):\(v.pos)-\(v.pos + v.ref.count - 1) is not inside the region's window \(input.frame.described)"
    }
    let found = String(decoding: input.genome[start..<(start + v.ref.count)], as: UTF8.self)
    return "REF '\(String(decoding: v.ref, as: UTF8.self))' does not match the reference '\(found)' at \(input.frame.contig):\(v.pos)"
}
