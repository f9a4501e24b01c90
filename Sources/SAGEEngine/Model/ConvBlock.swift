// SAGE-net's ConvBlock, optionally residual: y = [x +] ReLU(Conv1d(BatchNorm1d(x) or x)), "same" padding.
// Shapes: x (B, Cin, L) -> y (B, Cout, L). Parameters live in a ParameterStore; activations in ConvBlockActivations.

struct BatchNormSlots {
    let gamma: Int, beta: Int, runningMean: Int, runningVar: Int
    let counterName: String
}

struct ConvBlockLayer {
    let Cin: Int, Cout: Int, K: Int, dilation: Int, L: Int
    let residual: Bool
    let bn: BatchNormSlots?
    let weight: Int, bias: Int

    /// Registers `<prefix>0.*` (batch norm, when on) and `<prefix>1.*` (conv) in state_dict order.
    init(store: ParameterStore, prefix: String, Cin: Int, Cout: Int, K: Int, dilation: Int, L: Int,
         batchNorm: Bool, residual: Bool) {
        self.Cin = Cin; self.Cout = Cout; self.K = K; self.dilation = dilation; self.L = L; self.residual = residual
        if batchNorm {
            bn = BatchNormSlots(gamma: store.addParameter(prefix + "0.weight", shape: [Cin]),
                                beta: store.addParameter(prefix + "0.bias", shape: [Cin]),
                                runningMean: store.addBuffer(prefix + "0.running_mean", shape: [Cin]),
                                runningVar: store.addBuffer(prefix + "0.running_var", shape: [Cin]),
                                counterName: prefix + "0.num_batches_tracked")
            store.addCounter(prefix + "0.num_batches_tracked")
        } else {
            bn = nil
        }
        weight = store.addParameter(prefix + "1.weight", shape: [Cout, Cin, K])
        bias = store.addParameter(prefix + "1.bias", shape: [Cout])
    }

    func convShape(B: Int) -> Conv1dShape { Conv1dShape(B: B, C: Cin, L: L, OC: Cout, K: K, dilation: dilation) }
    func bnShape(B: Int) -> BatchNorm1dShape { BatchNorm1dShape(B: B, C: Cin, L: L) }
}

/// Per-pass activations of one block for batch size B.
final class ConvBlockActivations {
    let bnOut: FloatBuffer?      // (B, Cin, L), the conv's input when batch norm is on
    let mean: FloatBuffer, rstd: FloatBuffer   // (Cin) batch statistics (training)
    let reluOut: FloatBuffer     // (B, Cout, L)
    let out: FloatBuffer         // (B, Cout, L): x + reluOut when residual, else reluOut itself

    init(_ layer: ConvBlockLayer, B: Int) {
        bnOut = layer.bn == nil ? nil : FloatBuffer(count: B * layer.Cin * layer.L)
        mean = FloatBuffer(count: layer.Cin)
        rstd = FloatBuffer(count: layer.Cin)
        reluOut = FloatBuffer(count: B * layer.Cout * layer.L)
        out = layer.residual ? FloatBuffer(count: B * layer.Cout * layer.L) : reluOut
    }
}

extension ConvBlockLayer {
    func forward(_ a: ConvBlockActivations, x: UnsafePointer<Float>, B: Int, training: Bool, store: ParameterStore,
                 col: UnsafeMutablePointer<Float>, colParts: Int = 1, sync: BatchNormSync? = nil) {
        var convIn = x
        if let bn, let bnOut = a.bnOut {
            if training {
                batchNorm1dForwardTrain(out: bnOut.pointer, mean: a.mean.pointer, rstd: a.rstd.pointer,
                                        runningMean: store.b(bn.runningMean), runningVar: store.b(bn.runningVar), inp: x,
                                        gamma: store.p(bn.gamma), beta: store.p(bn.beta), shape: bnShape(B: B), sync: sync)
                store.batchesTracked[bn.counterName, default: 0] += 1
            } else {
                batchNorm1dForwardEval(out: bnOut.pointer, inp: x, gamma: store.p(bn.gamma), beta: store.p(bn.beta),
                                       runningMean: store.b(bn.runningMean), runningVar: store.b(bn.runningVar),
                                       shape: bnShape(B: B))
            }
            convIn = UnsafePointer(bnOut.pointer)
        }
        conv1dForward(out: a.reluOut.pointer, inp: convIn, weight: store.p(weight), bias: nil, shape: convShape(B: B), col: col,
                      parts: colParts)
        biasReLUForward(relu: a.reluOut.pointer, conv: a.reluOut.pointer, bias: store.p(bias),
                        residual: residual ? x : nil, out: residual ? a.out.pointer : nil, B: B, C: Cout, L: L)
    }

    /// dx (B, Cin, L) = d(block)/dx · dout (written), when dx is given; parameter gradients accumulate into the
    /// store (without `parameterGradients` the convolution's weight gradient, the costly one, is not formed: for
    /// attributions). Scratch: dconv (B, Cout, L) and dconvIn (B, Cin, L) floats.
    func backward(_ a: ConvBlockActivations, dout: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                  x: UnsafePointer<Float>, B: Int, training: Bool, store: ParameterStore, col: UnsafeMutablePointer<Float>,
                  colParts: Int = 1, dconv: UnsafeMutablePointer<Float>, dconvIn: UnsafeMutablePointer<Float>, sync: BatchNormSync? = nil,
                  parameterGradients: Bool = true) {
        let dweight = parameterGradients ? store.g(weight) : nil
        biasReLUBackward(dconv: dconv, dbias: store.g(bias), dout: dout, relu: a.reluOut.pointer, B: B, C: Cout, L: L)
        let convIn = a.bnOut.map { UnsafePointer($0.pointer) } ?? x
        guard let bn else {
            conv1dBackward(dinp: dx, dweight: dweight, dbias: nil, dout: dconv, inp: convIn, weight: store.p(weight),
                           shape: convShape(B: B), col: col, parts: colParts)
            if residual, let dx { addInPlace(dx, dout, count: B * Cout * L) }
            return
        }
        conv1dBackward(dinp: dconvIn, dweight: dweight, dbias: nil, dout: dconv, inp: convIn, weight: store.p(weight),
                       shape: convShape(B: B), col: col, parts: colParts)
        // Without dx (first layer) the input gradient goes to scratch that is then ignored; the residual branch's
        // gradient is added in the same pass.
        let target = dx ?? dconv
        let addend = residual && dx != nil ? dout : nil
        if training {
            batchNorm1dBackwardTrain(dinp: target, dgamma: store.g(bn.gamma), dbeta: store.g(bn.beta), dout: dconvIn,
                                     inp: x, mean: a.mean.pointer, rstd: a.rstd.pointer, gamma: store.p(bn.gamma),
                                     addend: addend, shape: bnShape(B: B), sync: sync)
        } else {
            batchNorm1dBackwardEval(dinp: target, dgamma: store.g(bn.gamma), dbeta: store.g(bn.beta), dout: dconvIn,
                                    inp: x, gamma: store.p(bn.gamma), runningMean: store.b(bn.runningMean),
                                    runningVar: store.b(bn.runningVar), addend: addend, shape: bnShape(B: B))
        }
    }
}
