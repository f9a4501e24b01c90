// Pooling over length with kernel = stride = `size`, no padding, ceil_mode=True (PyTorch AvgPool1d/MaxPool1d):
// Lout = ceil(L / size); the last window may be partial, and average pooling divides it by its real length.
// Shapes: inp (B, C, L) -> out (B, C, Lout); argmax (B, C, Lout) holds the input index (0 ..< L) of each max.

public enum PoolType: String, Sendable, Codable { case avg, max }

/// Output length of a ceil-mode pool.
@inline(__always) public func pooledLength(_ L: Int, size: Int) -> Int { (L + size - 1) / size }

/// rows = B*C independent rows of length L.
public func avgPool1dForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, rows: Int, L: Int, size: Int) {
    let Lout = pooledLength(L, size: size)
    Parallel.forEachRange(rows, minimumPerThread: max(1, 32768 / max(L, 1))) { rowRange in
        for r in rowRange {
            let x = inp + r * L, y = out + r * Lout
            for j in 0..<Lout {
                let start = j * size, end = min(start + size, L)
                var sum: Float = 0
                for t in start..<end { sum += x[t] }
                y[j] = sum / Float(end - start)
            }
        }
    }
}

/// Writes dinp (rows, L) from dout (rows, Lout).
public func avgPool1dBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, rows: Int, L: Int, size: Int) {
    let Lout = pooledLength(L, size: size)
    Parallel.forEachRange(rows, minimumPerThread: max(1, 32768 / max(L, 1))) { rowRange in
        for r in rowRange {
            let dx = dinp + r * L, dy = dout + r * Lout
            for j in 0..<Lout {
                let start = j * size, end = min(start + size, L)
                let g = dy[j] / Float(end - start)
                for t in start..<end { dx[t] = g }
            }
        }
    }
}

/// Max over each window; ties go to the first element (as PyTorch's CPU kernel). Stores indices in `argmax`.
public func maxPool1dForward(out: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>,
                             inp: UnsafePointer<Float>, rows: Int, L: Int, size: Int) {
    let Lout = pooledLength(L, size: size)
    Parallel.forEachRange(rows, minimumPerThread: max(1, 32768 / max(L, 1))) { rowRange in
        for r in rowRange {
            let x = inp + r * L, y = out + r * Lout, idx = argmax + r * Lout
            for j in 0..<Lout {
                let start = j * size, end = min(start + size, L)
                var best = start
                for t in (start + 1)..<max(start + 1, end) where x[t] > x[best] || x[t].isNaN { best = t }
                y[j] = x[best]
                idx[j] = Int32(best)
            }
        }
    }
}

/// Writes dinp (rows, L): each dout element goes to its window's argmax, the rest of the window gets 0.
public func maxPool1dBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                              argmax: UnsafePointer<Int32>, rows: Int, L: Int, size: Int) {
    let Lout = pooledLength(L, size: size)
    Parallel.forEachRange(rows, minimumPerThread: max(1, 32768 / max(L, 1))) { rowRange in
        for r in rowRange {
            let dx = dinp + r * L, dy = dout + r * Lout, idx = argmax + r * Lout
            dx.update(repeating: 0, count: L)
            for j in 0..<Lout { dx[Int(idx[j])] = dy[j] }
        }
    }
}
