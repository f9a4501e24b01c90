// Swapping the last two axes of a batch of matrices, as x.permute(0, 2, 1) followed by a contiguous copy:
// inp (B, rows, cols) -> out (B, cols, rows). The transformer block's Permute21 between the channel-major trunk
// (B, C, L) and its position-major tokens (B, L, C).

/// out[b, j, i] = inp[b, i, j]; when `accumulate`, out += instead of =.
public func transposeLastTwo(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, B: Int, rows: Int, cols: Int,
                             accumulate: Bool = false) {
    let n = rows * cols
    Parallel.forEachRange(B, minimumPerThread: max(1, 32768 / max(n, 1))) { items in
        for b in items {
            let x = inp + b * n, y = out + b * n
            for i in 0..<rows {
                let row = x + i * cols
                if accumulate {
                    for j in 0..<cols { y[j * rows + i] += row[j] }
                } else {
                    for j in 0..<cols { y[j * rows + i] = row[j] }
                }
            }
        }
    }
}
