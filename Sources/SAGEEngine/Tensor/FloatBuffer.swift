/// An owned, zero-initialised, fixed-size Float32 buffer with a stable address (freed in deinit), so that kernels
/// get raw pointers once and nothing is allocated inside a step.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    public func zero() { pointer.update(repeating: 0, count: count) }
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
    public func copy(from values: [Float]) {
        precondition(values.count == count, "FloatBuffer: \(values.count) values for \(count) slots")
        pointer.update(from: values, count: count)
    }
    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }
}
