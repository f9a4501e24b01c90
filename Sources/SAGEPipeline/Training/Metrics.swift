import Foundation
import SAGEEngine

/// Predictions against truths for one set of regions x individuals.
///
/// - region r: Pearson across individuals of pred_diff and y1 (how well individuals are ordered within a gene,
///   SAGE-net's main metric).
/// - individual i: Pearson across regions of the predicted expression and the observed expression (pred_mean +
///   pred_diff x sd with z-scores, pred_mean + pred_diff with deviations, pred_diff with raw targets).
/// - mean head: Pearson across regions of pred_mean (averaged over individuals) and y0.
public struct EvaluationMetrics: Sendable {
    public var lossRef = 0.0, lossDiff = 0.0
    public var regionPearson: [Double] = [], individualPearson: [Double] = []
    public var meanPearson = Double.nan

    public init(predictions p: Predictions, set: TrainingSet) {
        let N = set.store.individualCount, I = p.individuals.count, R = p.regions.count
        guard R > 0, I > 0 else { return }
        var expressionPred = [Float](repeating: 0, count: R * I), expressionTrue = expressionPred
        var sumRef = 0.0, sumDiff = 0.0
        for (k, r) in p.regions.enumerated() {
            var predDiff: [Float] = [], y1: [Float] = []
            for (j, i) in p.individuals.enumerated() {
                let t = r * N + i, q = k * I + j
                let dm = Double(p.predMean[q] - set.y0[t]), dd = Double(p.predDiff[q] - set.y1[t])
                sumRef += dm * dm; sumDiff += dd * dd
                predDiff.append(p.predDiff[q]); y1.append(set.y1[t])
                expressionPred[q] = !set.splitYData ? p.predDiff[q] : set.zscore ? p.predMean[q] + p.predDiff[q] * set.sd[r] : p.predMean[q] + p.predDiff[q]
                expressionTrue[q] = set.raw[t]
            }
            regionPearson.append(pearson(predDiff, y1))
        }
        lossRef = sumRef / Double(R * I); lossDiff = sumDiff / Double(R * I)
        for j in 0..<I {
            individualPearson.append(pearson((0..<R).map { expressionPred[$0 * I + j] }, (0..<R).map { expressionTrue[$0 * I + j] }))
        }
        let meanPred = (0..<R).map { k in Float((0..<I).reduce(0.0) { $0 + Double(p.predMean[k * I + $1]) } / Double(I)) }
        meanPearson = pearson(meanPred, p.regions.map { set.y0[$0 * N + p.individuals[0]] })
    }

    /// Named values for metrics.jsonl and summary.json, each prefixed (e.g. "val_").
    public func named(_ prefix: String, lamRef: Double, lamDiff: Double) -> [String: Double] {
        [prefix + "loss": lamRef * lossRef + lamDiff * lossDiff, prefix + "loss_ref": lossRef, prefix + "loss_diff": lossDiff,
         prefix + "region_pearson_median": median(regionPearson), prefix + "individual_pearson_median": median(individualPearson),
         prefix + "mean_pearson": meanPearson,
         prefix + "region_pearson_nan": Double(regionPearson.filter(\.isNaN).count),
         prefix + "individual_pearson_nan": Double(individualPearson.filter(\.isNaN).count)]
    }
}
