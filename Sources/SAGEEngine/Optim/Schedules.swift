// Learning-rate schedules with PyTorch's semantics. SAGE-net: CyclicLR(base = lr/2, max = 2 lr, step_size_up 2000,
// triangular, stepped every batch) or ReduceLROnPlateau(patience 5, on the validation loss, stepped every epoch).

/// torch.optim.lr_scheduler.CyclicLR, mode "triangular", cycle_momentum=False. `lr(afterSteps: t)` is the rate
/// used for the (t+1)-th optimizer step (t scheduler steps taken so far; t = 0 gives base).
public struct CyclicLR: Codable, Sendable, Equatable {
    public var baseLR: Float
    public var maxLR: Float
    public var stepSizeUp: Int
    public var stepSizeDown: Int

    public init(baseLR: Float, maxLR: Float, stepSizeUp: Int = 2000, stepSizeDown: Int? = nil) {
        self.baseLR = baseLR; self.maxLR = maxLR; self.stepSizeUp = stepSizeUp; self.stepSizeDown = stepSizeDown ?? stepSizeUp
    }

    /// SAGE-net's setting for learning rate `lr`: [lr/2, 2 lr], 2000 steps up.
    public static func sagenet(learningRate lr: Float) -> CyclicLR { CyclicLR(baseLR: lr / 2, maxLR: lr * 2) }

    public func lr(afterSteps t: Int) -> Float {
        let total = Double(stepSizeUp + stepSizeDown), ratio = Double(stepSizeUp) / total
        let cycle = (1 + Double(t) / total).rounded(.down)
        let x = 1 + Double(t) / total - cycle
        let scale = x <= ratio ? x / ratio : (x - 1) / (ratio - 1)
        return Float(Double(baseLR) + Double(maxLR - baseLR) * scale)
    }
}

/// torch.optim.lr_scheduler.ReduceLROnPlateau, mode "min" (a loss) or "max" (`maximize`: a correlation),
/// threshold 1e-4 relative, cooldown 0. The relative threshold is taken of |best|, so that an unchanged negative
/// value (a correlation early in training) is no improvement; PyTorch's best * (1 -+ threshold) counts it as one.
/// For a positive best (every loss) the two agree.
public struct ReduceLROnPlateau: Codable, Sendable, Equatable {
    public private(set) var lr: Float
    public var factor: Float = 0.1
    public var patience = 5
    public var threshold: Float = 1e-4
    public var minLR: Float = 0
    public private(set) var maximize = false
    public private(set) var best = Float.infinity
    public private(set) var badEpochs = 0

    public init(lr: Float, factor: Float = 0.1, patience: Int = 5, maximize: Bool = false) {
        self.lr = lr; self.factor = factor; self.patience = patience; self.maximize = maximize
        best = maximize ? -.infinity : .infinity
    }

    enum CodingKeys: String, CodingKey { case lr, factor, patience, threshold, minLR, maximize, best, badEpochs }

    /// States written before `maximize` existed decode as mode "min".
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lr = try c.decode(Float.self, forKey: .lr); factor = try c.decode(Float.self, forKey: .factor)
        patience = try c.decode(Int.self, forKey: .patience); threshold = try c.decode(Float.self, forKey: .threshold)
        minLR = try c.decode(Float.self, forKey: .minLR); maximize = try c.decodeIfPresent(Bool.self, forKey: .maximize) ?? false
        best = try c.decode(Float.self, forKey: .best); badEpochs = try c.decode(Int.self, forKey: .badEpochs)
    }

    /// From a scheduler that minimised the negated metric to one that maximises it, or back.
    public mutating func convert(maximize: Bool) {
        guard maximize != self.maximize else { return }
        self.maximize = maximize
        best = -best
    }

    /// A new learning rate (a resume that changes it), keeping the best value and the bad-epoch count.
    public mutating func restart(lr: Float) { self.lr = lr }

    /// Feeds one epoch's metric; returns the learning rate for the next epoch.
    @discardableResult
    public mutating func step(metric: Float) -> Float {
        let margin = best.isFinite ? abs(best) * threshold : 0
        let improved = maximize ? metric > best + margin : metric < best - margin
        if improved { best = metric; badEpochs = 0 } else { badEpochs += 1 }
        if badEpochs > patience {
            let reduced = max(lr * factor, minLR)
            if lr - reduced > 1e-8 { lr = reduced }
            badEpochs = 0
        }
        return lr
    }
}
