/// What every rank must agree on about one collective call: its kind and element type, and where ranks must pass
/// the same, its length, reduction and root. Ranks send it to rank 0 on entering a call (two Int64 words), so that
/// a timeout can say which call each rank is in and rank 0 can see ranks in different calls under one number.
struct CollectiveSignature: Equatable, Sendable, CustomStringConvertible {
    enum Kind: Int64, Sendable { case barrier = 1, allreduce, broadcast, gather, allgather, split }

    let kind: Kind
    let element: CommElementKind?
    /// Elements per rank where every rank passes the same number (allreduce, broadcast); nil elsewhere.
    let count: Int?
    let op: ReduceOp?
    let root: Int?

    static let barrier = CollectiveSignature(kind: .barrier, element: nil, count: nil, op: nil, root: nil)
    static let split = CollectiveSignature(kind: .split, element: nil, count: nil, op: nil, root: nil)
    static func allreduce(_ element: CommElementKind, count: Int, op: ReduceOp) -> Self {
        Self(kind: .allreduce, element: element, count: count, op: op, root: nil)
    }
    static func broadcast(_ element: CommElementKind, count: Int, root: Int) -> Self {
        Self(kind: .broadcast, element: element, count: count, op: nil, root: root)
    }
    static func gather(_ element: CommElementKind, root: Int) -> Self {
        Self(kind: .gather, element: element, count: nil, op: nil, root: root)
    }
    static func allgather(_ element: CommElementKind) -> Self {
        Self(kind: .allgather, element: element, count: nil, op: nil, root: nil)
    }

    /// "allreduce (sum, 10000000 float32)", "broadcast (root 1, 5 uint8)", "gather (root 0, int64)", "barrier".
    var description: String {
        let type = element.map { "\($0)" } ?? ""
        return switch kind {
        case .barrier: "barrier"
        case .split: "split"
        case .allreduce: "allreduce (\(op?.rawValue ?? "?"), \(count ?? 0) \(type))"
        case .broadcast: "broadcast (root \(root ?? 0), \(count ?? 0) \(type))"
        case .gather: "gather (root \(root ?? 0), \(type))"
        case .allgather: "allgather (\(type))"
        }
    }

    // MARK: wire format: word 0 = kind | element << 8 | (op or root, plus 1) << 16; word 1 = count or -1.

    private static let elements: [CommElementKind] = [.float32, .float64, .int32, .int64, .uint8]

    var wire: (Int64, Int64) {
        let elementCode = element.flatMap { Self.elements.firstIndex(of: $0) }.map { Int64($0) + 1 } ?? 0
        let detail = op.flatMap { ReduceOp.allCases.firstIndex(of: $0) }.map { Int64($0) + 1 } ?? root.map { Int64($0) + 1 } ?? 0
        return (kind.rawValue | elementCode << 8 | detail << 16, count.map(Int64.init) ?? -1)
    }

    /// Decodes `wire`; nil for words no rank of this version sends.
    init?(wire: (Int64, Int64)) {
        guard let kind = Kind(rawValue: wire.0 & 0xFF) else { return nil }
        let elementCode = Int((wire.0 >> 8) & 0xFF)
        let detail = Int(wire.0 >> 16)
        guard elementCode <= Self.elements.count else { return nil }
        let element = elementCode == 0 ? nil : Self.elements[elementCode - 1]
        var op: ReduceOp?
        var root: Int?
        switch kind {
        case .allreduce:
            guard (1...ReduceOp.allCases.count).contains(detail) else { return nil }
            op = ReduceOp.allCases[detail - 1]
        case .broadcast, .gather:
            guard detail >= 1 else { return nil }
            root = detail - 1
        case .barrier, .split, .allgather:
            break
        }
        self.init(kind: kind, element: element, count: wire.1 < 0 ? nil : Int(wire.1), op: op, root: root)
    }

    init(kind: Kind, element: CommElementKind?, count: Int?, op: ReduceOp?, root: Int?) {
        self.kind = kind
        self.element = element
        self.count = count
        self.op = op
        self.root = root
    }
}
