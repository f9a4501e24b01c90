/// An owned, zero-initialised, fixed-size buffer with a stable address (freed in deinit), so that kernels get raw
/// pointers once and nothing is allocated inside a step. Keep the object alive while its pointer is in use.
public final class OwnedBuffer<Element: Numeric>: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Element>

    public init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: .zero, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    public func zero() { pointer.update(repeating: .zero, count: count) }
    public var array: [Element] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
    public func copy(from values: [Element]) {
        precondition(values.count == count, "OwnedBuffer: \(values.count) values for \(count) slots")
        pointer.update(from: values, count: count)
    }
    public subscript(i: Int) -> Element {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }
}

/// Activations, parameters, gradients.
public typealias FloatBuffer = OwnedBuffer<Float>
/// Max-pool argmax indices.
public typealias Int32Buffer = OwnedBuffer<Int32>
