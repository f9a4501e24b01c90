/// NumPy's legacy global generator, `np.random.seed(seed)` with an integer seed (MT19937 seeded by init_genrand),
/// and its `np.random.shuffle`, so that a seed permutes a list exactly as SAGE-net's `rand_split_arr` does.
public struct NumPyLegacyRandom {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// `np.random.seed(seed)`; NumPy accepts 0...2^32-1.
    public init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 { state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i) }
    }

    /// The next 32-bit output of MT19937 (genrand_int32).
    public mutating func next32() -> UInt32 {
        if index >= 624 {
            for k in 0..<624 {
                let y = (state[k] & 0x8000_0000) | (state[(k + 1) % 624] & 0x7fff_ffff)
                state[k] = state[(k + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_b0df)
            }
            index = 0
        }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// A uniform integer in 0...max as NumPy's random_interval draws it: 32-bit outputs masked to the smallest
    /// 2^k - 1 >= max, rejected until <= max. (`max` < 2^32, the only case a list of individuals needs.)
    public mutating func interval(_ max: UInt32) -> UInt32 {
        if max == 0 { return 0 }
        var mask = max
        for shift: UInt32 in [1, 2, 4, 8, 16] { mask |= mask >> shift }
        while true {
            let value = next32() & mask
            if value <= max { return value }
        }
    }

    /// `np.random.shuffle(a)` in place: for i from n-1 down to 1, swap a[i] with a[interval(i)].
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, through: 1, by: -1) { a.swapAt(i, Int(interval(UInt32(i)))) }
    }
}
