/// Parameters, their gradients and the batch-norm buffers, each in ONE flat buffer with named slots in PyTorch's
/// state_dict order, so the optimizer, zeroing, checkpoints and the gradient allreduce each work on one range.
public final class ParameterStore: @unchecked Sendable {
    public struct Slot: Sendable, Equatable {
        public let name: String
        public let offset: Int
        public let shape: [Int]
        public var count: Int { shape.reduce(1, *) }
    }

    /// Learnable tensors (state_dict order): offsets into `params` and `grads`.
    public private(set) var parameterSlots: [Slot] = []
    /// Batch-norm running_mean / running_var: offsets into `buffers`.
    public private(set) var bufferSlots: [Slot] = []
    /// Batch-norm num_batches_tracked, by state_dict name (int64 in PyTorch).
    public var batchesTracked: [String: Int64] = [:]
    /// Every state_dict key in PyTorch's order (parameters, running stats and counters interleaved per module).
    public private(set) var stateDictOrder: [String] = []

    public private(set) var params = FloatBuffer(count: 0)
    public private(set) var grads = FloatBuffer(count: 0)
    public private(set) var buffers = FloatBuffer(count: 0)
    private var sealed = false

    public init() {}

    /// The offset the next parameter registered gets (the parameters' total length so far).
    public var nextParameterOffset: Int { parameterSlots.last.map { $0.offset + $0.count } ?? 0 }

    /// Registers a parameter; returns its offset. Call before `seal()`.
    @discardableResult
    public func addParameter(_ name: String, shape: [Int]) -> Int {
        precondition(!sealed, "ParameterStore: add before seal()")
        let offset = nextParameterOffset
        parameterSlots.append(Slot(name: name, offset: offset, shape: shape))
        stateDictOrder.append(name)
        return offset
    }

    /// Registers a running-statistics buffer; returns its offset.
    @discardableResult
    public func addBuffer(_ name: String, shape: [Int]) -> Int {
        precondition(!sealed, "ParameterStore: add before seal()")
        let offset = bufferSlots.last.map { $0.offset + $0.count } ?? 0
        bufferSlots.append(Slot(name: name, offset: offset, shape: shape))
        stateDictOrder.append(name)
        return offset
    }

    public func addCounter(_ name: String) {
        precondition(!sealed, "ParameterStore: add before seal()")
        batchesTracked[name] = 0
        stateDictOrder.append(name)
    }

    /// Allocates the flat buffers once every slot is registered.
    public func seal() {
        params = FloatBuffer(count: parameterSlots.last.map { $0.offset + $0.count } ?? 0)
        grads = FloatBuffer(count: params.count)
        buffers = FloatBuffer(count: bufferSlots.last.map { $0.offset + $0.count } ?? 0)
        sealed = true
    }

    public var parameterCount: Int { params.count }

    public func slot(named name: String) -> Slot? {
        parameterSlots.first { $0.name == name } ?? bufferSlots.first { $0.name == name }
    }

    public func zeroGrads() { grads.zero() }

    @inline(__always) public func p(_ offset: Int) -> UnsafeMutablePointer<Float> { params.pointer + offset }
    @inline(__always) public func g(_ offset: Int) -> UnsafeMutablePointer<Float> { grads.pointer + offset }
    @inline(__always) public func b(_ offset: Int) -> UnsafeMutablePointer<Float> { buffers.pointer + offset }
}
