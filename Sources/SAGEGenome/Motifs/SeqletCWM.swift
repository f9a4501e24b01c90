/// SAGE-net's normalised seqlet CWM (`cluster_seqlets`): the (4, L) attribution (optionally zero-centred over the
/// four channels at each position, in float32 as NumPy's mean) times the one-hot of the model sequence (N, other
/// codes and the padding are all zeros), cropped to [start, end), divided by its signed entry of largest |value|
/// (the first in channel-major order on ties, NumPy's argmax of the (4, len) crop), so that entry becomes +1 and a
/// negative seqlet is sign-flipped; float32 values, returned as an L x 4 Motif (position-major). nil when the crop
/// is all zeros (nothing to normalise by). `attribution` is channel-major A, C, G, T of `L` positions.
public func seqletCWM(id: String, attribution: [Float], sequence: [UInt8], length L: Int, start: Int, end: Int, zeroCenter: Bool) -> Motif? {
    precondition(attribution.count == 4 * L && sequence.count <= L && 0 <= start && start < end && end <= L, "seqletCWM: shapes")
    let width = end - start
    var crop = [Float](repeating: 0, count: 4 * width)  // channel-major (4, width)
    for t in start..<min(end, sequence.count) {
        guard let p = projectedValue(attribution, length: L, at: t, base: sequence[t], zeroCenter: zeroCenter) else { continue }
        crop[p.channel * width + (t - start)] = p.value
    }
    var largest = 0
    for k in crop.indices where abs(crop[k]) > abs(crop[largest]) { largest = k }
    let scale = crop[largest]
    guard scale != 0 else { return nil }
    var values = [Double](repeating: 0, count: 4 * width)
    for c in 0..<4 { for p in 0..<width { values[p * 4 + c] = Double(crop[c * width + p] / scale) } }
    return Motif(id: id, values: values)
}
