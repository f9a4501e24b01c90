import Foundation
import Testing
@testable import SAGEEngine

/// The elastic net against scikit-learn (Fixtures/elasticnet.json, written by tools/make_enet_fixtures.py):
/// ElasticNetCV with a predefined validation fold (SAGE-net's PrediXcan) or k folds, then an ElasticNet refit.
@Suite struct ElasticNetTests {
    struct Case: Decodable {
        let name: String, rows: Int, cols: Int
        let x: [Double], y: [Double], folds: [Int], refit_rows: [Int]
        let l1_ratio: Double, tol: Double, max_iter: Int
        let alphas: [Double], mean_mse: [Double], best_index: Int, alpha: Double, coef: [Double], intercept: Double
    }

    static let cases: [Case] = {
        struct File: Decodable { let cases: [Case] }
        let data = try! Data(contentsOf: Fixtures.directory.appendingPathComponent("elasticnet.json"))
        return try! JSONDecoder().decode(File.self, from: data).cases
    }()

    static var names: [String] { cases.map(\.name) }

    @Test(arguments: names)
    func matchesScikitLearn(name: String) throws {
        let c = try #require(Self.cases.first { $0.name == name })
        var settings = ElasticNetSettings()
        settings.l1Ratio = c.l1_ratio; settings.tol = c.tol; settings.maxIter = c.max_iter
        let fit = elasticNetCV(RegressionData(rows: c.rows, cols: c.cols, x: c.x, y: c.y), folds: c.folds, refitRows: c.refit_rows, settings: settings)
        #expect(fit.unconverged == 0)
        #expect(fit.alphas.count == c.alphas.count)
        for (a, b) in zip(fit.alphas, c.alphas) { #expect(abs(a - b) <= 1e-12 * b, "alpha grid \(a) vs \(b)") }
        for (a, b) in zip(fit.meanMSE, c.mean_mse) { #expect(abs(a - b) <= 1e-7 * b + 1e-12, "mean MSE \(a) vs \(b)") }
        #expect(fit.bestIndex == c.best_index, "\(name): chose \(fit.alpha), scikit-learn \(c.alpha)")
        let scale = max(1, c.coef.map(abs).max() ?? 0)
        for (j, (a, b)) in zip(fit.weights, c.coef).enumerated() {
            #expect(abs(a - b) <= 1e-7 * scale, "\(name): weight \(j) \(a) vs \(b)")
        }
        #expect(abs(fit.intercept - c.intercept) <= 1e-7 * max(1, abs(c.intercept)))
    }

    /// Closed forms: at the first penalty of the grid every weight is 0 (intercept = mean y); a single standardised
    /// feature's weight is soft-thresholded least squares shrunk by the ridge term.
    @Test func closedForms() {
        // x = (-1, 1, -1, 1), y = 2x + 5: xc·yc = 8, |xc|² = 4, n = 4.
        let data = RegressionData(rows: 4, cols: 1, x: [-1, 1, -1, 1], y: [3, 7, 3, 7])
        var s = ElasticNetSettings(); s.tol = 1e-14
        let alphas = elasticNetAlphaGrid(data, rows: [0, 1, 2, 3], settings: s)
        #expect(abs(alphas[0] - 8 / (4 * 0.5)) < 1e-12)
        #expect(abs(alphas[99] - 4e-3) < 1e-15)
        let path = fitPath(data, rows: [0, 1, 2, 3], alphas: [alphas[0], 1.0], upTo: 1, settings: s)
        #expect(path.fits[0].weights == [0] && path.fits[0].intercept == 5)
        // alpha 1: w = (8 - 1·0.5·4) / (4 + 1·0.5·4) = 1.
        #expect(abs(path.fits[1].weights[0] - 1) < 1e-12 && abs(path.fits[1].intercept - 5) < 1e-12)
    }

    /// No varying feature: the grid is numpy's resolution everywhere, weights stay 0, the intercept is mean y.
    @Test func constantFeaturesOnly() {
        let data = RegressionData(rows: 4, cols: 2, x: [1, 1, 1, 1, 0, 0, 0, 0], y: [1, 2, 3, 4])
        let fit = elasticNetCV(data, folds: [-1, -1, 0, 0], refitRows: [0, 1], settings: ElasticNetSettings())
        #expect(fit.alphas.allSatisfy { $0 == 1e-15 } && fit.weights == [0, 0] && fit.intercept == 1.5)
    }
}
