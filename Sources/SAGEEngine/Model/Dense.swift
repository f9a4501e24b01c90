// A fully connected layer of SAGE-net's heads: y = Dropout(ReLU(x W^T + b)), ReLU and dropout optional.
// Shapes: x (rows, IN) -> y (rows, OUT).

struct DenseLayer {
    let IN: Int, OUT: Int
    let relu: Bool
    let dropout: Float
    let weight: Int, bias: Int

    init(store: ParameterStore, name: String, IN: Int, OUT: Int, relu: Bool, dropout: Float = 0) {
        self.IN = IN; self.OUT = OUT; self.relu = relu; self.dropout = dropout
        weight = store.addParameter(name + ".weight", shape: [OUT, IN])
        bias = store.addParameter(name + ".bias", shape: [OUT])
    }
}

final class DenseActivations {
    let out: FloatBuffer        // (rows, OUT) after ReLU
    let mask: FloatBuffer?      // (rows, OUT) dropout factors
    let dropped: FloatBuffer?   // (rows, OUT) after dropout
    var result: FloatBuffer { dropped ?? out }

    init(_ layer: DenseLayer, rows: Int) {
        out = FloatBuffer(count: rows * layer.OUT)
        mask = layer.dropout > 0 ? FloatBuffer(count: rows * layer.OUT) : nil
        dropped = layer.dropout > 0 ? FloatBuffer(count: rows * layer.OUT) : nil
    }
}

extension DenseLayer {
    func forward(_ a: DenseActivations, x: UnsafePointer<Float>, rows: Int, training: Bool, store: ParameterStore,
                 rng: inout SplitMix64) {
        linearForward(out: a.out.pointer, inp: x, weight: store.p(weight), bias: store.p(bias), B: rows, IN: IN, OUT: OUT)
        if relu { reluForward(out: a.out.pointer, inp: a.out.pointer, count: rows * OUT) }
        if let mask = a.mask, let dropped = a.dropped {
            dropoutForward(out: dropped.pointer, mask: mask.pointer, inp: a.out.pointer, count: rows * OUT,
                           p: training ? dropout : 0, rng: &rng)
        }
    }

    /// dx (rows, IN) += ..., when given. Scratch: `dpre` (rows, OUT).
    func backward(_ a: DenseActivations, dout: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, x: UnsafePointer<Float>,
                  rows: Int, store: ParameterStore, dpre: UnsafeMutablePointer<Float>) {
        let n = rows * OUT
        var d = dout
        if let mask = a.mask {
            dpre.update(repeating: 0, count: n)
            dropoutBackward(dinp: dpre, dout: d, mask: mask.pointer, count: n)
            d = UnsafePointer(dpre)
        }
        if relu {
            // In place is safe: each element reads its own value first.
            let masked = dpre
            for i in 0..<n { masked[i] = a.out.pointer[i] > 0 ? d[i] : 0 }
            d = UnsafePointer(masked)
        }
        linearBackward(dinp: dx, dweight: store.g(weight), dbias: store.g(bias), dout: d, inp: x, weight: store.p(weight),
                       B: rows, IN: IN, OUT: OUT)
    }
}

/// A stack of dense layers applied in order; activations per layer.
struct DenseStack {
    let inputWidth: Int
    let layers: [DenseLayer]
    var outputWidth: Int { layers.last?.OUT ?? inputWidth }
}

final class DenseStackActivations {
    let layers: [DenseActivations]
    init(_ stack: DenseStack, rows: Int) { layers = stack.layers.map { DenseActivations($0, rows: rows) } }
}

extension DenseStack {
    /// Returns the stack's output (x itself for an empty stack).
    func forward(_ a: DenseStackActivations, x: UnsafePointer<Float>, rows: Int, training: Bool, store: ParameterStore,
                 rng: inout SplitMix64) -> UnsafePointer<Float> {
        var input = x
        for (layer, act) in zip(layers, a.layers) {
            layer.forward(act, x: input, rows: rows, training: training, store: store, rng: &rng)
            input = UnsafePointer(act.result.pointer)
        }
        return input
    }

    /// dx (rows, IN of the first layer) += ...; `dout` is the gradient of the stack's output. Scratch: two buffers
    /// `s1`, `s2` and `dpre`, each at least rows * (widest layer).
    func backward(_ a: DenseStackActivations, dout: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
                  rows: Int, store: ParameterStore, s1: UnsafeMutablePointer<Float>, s2: UnsafeMutablePointer<Float>,
                  dpre: UnsafeMutablePointer<Float>) {
        guard !layers.isEmpty else { addInPlace(dx, dout, count: rows * inputWidth); return }
        var d = dout
        var spare = (s1, s2)
        for i in layers.indices.reversed() {
            let layer = layers[i]
            let input = i == 0 ? x : UnsafePointer(a.layers[i - 1].result.pointer)
            let target = i == 0 ? dx : spare.0
            if i > 0 { target.update(repeating: 0, count: rows * layer.IN) }
            layer.backward(a.layers[i], dout: d, dx: target, x: input, rows: rows, store: store, dpre: dpre)
            d = UnsafePointer(target)
            spare = (spare.1, spare.0)
        }
    }
}
