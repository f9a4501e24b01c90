/// An owned, fixed-size Int32 buffer with a stable address (max-pool argmax indices).
public final class Int32Buffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Int32>

    public init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }
}
