/// Linkage of agglomerative clustering on a precomputed distance.
public enum Linkage: String, Sendable, CaseIterable {
    case average, complete
}

/// scikit-learn's `AgglomerativeClustering(n_clusters=None, metric='precomputed', linkage=..., distance_threshold=t)
/// .fit(D).labels_`, label numbers included: SciPy's `linkage` on the upper triangle (the nearest-neighbour-chain
/// algorithm, merges sorted stably by distance and relabelled by union-find, as `scipy.cluster.hierarchy` does),
/// then scikit-learn's cut: n_clusters = #(merge distances >= t) + 1, the last merges undone in heap order
/// (`_hc_cut`, Python's heapq), each cluster numbered by its place in that heap.
public enum SeqletClustering {
    /// One merge of the dendrogram: clusters `a` < `b` (leaves 0 ..< n, merge k creates cluster n + k) at `distance`.
    public struct Merge: Equatable, Sendable { public var a: Int, b: Int, distance: Double, size: Int }

    /// Index of (i, j), i < j, in the condensed upper triangle of n items (SciPy's layout, row by row).
    @inline(__always)
    public static func condensedIndex(_ i: Int, _ j: Int, n: Int) -> Int { n * i - i * (i + 1) / 2 + (j - i - 1) }

    /// Labels 0 ..< k of n items from their condensed distances (n (n - 1) / 2 values, consumed: the array is the
    /// working matrix of the linkage, as SciPy's copy is). One item gets label 0.
    public static func labels(condensed distances: inout [Double], n: Int, linkage: Linkage, threshold: Double) -> [Int] {
        guard n > 1 else { return [Int](repeating: 0, count: n) }
        let merges = linkageTree(&distances, n: n, linkage: linkage)
        let clusters = merges.filter { $0.distance >= threshold }.count + 1
        return cut(merges, n: n, clusters: clusters)
    }

    /// SciPy's `nn_chain` then `label`: n - 1 merges sorted by distance.
    public static func linkageTree(_ D: inout [Double], n: Int, linkage: Linkage) -> [Merge] {
        precondition(D.count == n * (n - 1) / 2, "condensed distances of \(n) items")
        var merges: [Merge] = []
        merges.reserveCapacity(n - 1)
        var size = [Int](repeating: 1, count: n)
        var chain = [Int](repeating: 0, count: n)
        var chainLength = 0
        D.withUnsafeMutableBufferPointer { D in
            func index(_ i: Int, _ j: Int) -> Int { i < j ? condensedIndex(i, j, n: n) : condensedIndex(j, i, n: n) }
            for _ in 0..<(n - 1) {
                if chainLength == 0 {
                    chainLength = 1
                    chain[0] = size.firstIndex { $0 > 0 }!
                }
                var x = 0, y = 0, currentMin = Double.infinity
                while true {
                    x = chain[chainLength - 1]
                    if chainLength > 1 {
                        y = chain[chainLength - 2]
                        currentMin = D[index(x, y)]
                    } else {
                        currentMin = .infinity
                    }
                    for i in 0..<n where size[i] > 0 && i != x {
                        let d = D[index(x, i)]
                        if d < currentMin { currentMin = d; y = i }
                    }
                    if chainLength > 1 && y == chain[chainLength - 2] { break }
                    chain[chainLength] = y
                    chainLength += 1
                }
                chainLength -= 2
                if x > y { swap(&x, &y) }
                let nx = size[x], ny = size[y]
                merges.append(Merge(a: x, b: y, distance: currentMin, size: nx + ny))
                size[x] = 0
                size[y] = nx + ny
                for i in 0..<n where size[i] > 0 && i != y {
                    let ix = index(i, x), iy = index(i, y)
                    switch linkage {
                    case .average: D[iy] = (Double(nx) * D[ix] + Double(ny) * D[iy]) / Double(nx + ny)
                    case .complete: D[iy] = max(D[ix], D[iy])
                    }
                }
            }
        }
        // np.argsort(kind='mergesort') is stable.
        let order = merges.indices.sorted { merges[$0].distance != merges[$1].distance ? merges[$0].distance < merges[$1].distance : $0 < $1 }
        var sorted = order.map { merges[$0] }
        // Union-find relabelling (SciPy's LinkageUnionFind).
        var parent = Array(0..<(2 * n - 1)), sizes = [Int](repeating: 1, count: 2 * n - 1), next = n
        func find(_ x: Int) -> Int {
            var root = x
            while parent[root] != root { root = parent[root] }
            var p = x
            while parent[p] != root { let up = parent[p]; parent[p] = root; p = up }
            return root
        }
        for k in sorted.indices {
            let rx = find(sorted[k].a), ry = find(sorted[k].b)
            sorted[k].a = min(rx, ry); sorted[k].b = max(rx, ry)
            parent[rx] = next; parent[ry] = next
            sizes[next] = sizes[rx] + sizes[ry]
            sorted[k].size = sizes[next]
            next += 1
        }
        return sorted
    }

    /// scikit-learn's `_hc_cut(n_clusters, children, n_leaves)`.
    public static func cut(_ merges: [Merge], n: Int, clusters: Int) -> [Int] {
        precondition(clusters >= 1 && clusters <= n, "cut: 1 ... n clusters")
        var heap = [-(max(merges[n - 2].a, merges[n - 2].b) + 1)]
        for _ in 0..<(clusters - 1) {
            let node = merges[-heap[0] - n]
            heapPush(&heap, -node.a)
            _ = heapPushPop(&heap, -node.b)
        }
        var label = [Int](repeating: 0, count: n)
        for (k, node) in heap.enumerated() {
            var stack = [-node]
            while let m = stack.popLast() {
                if m < n { label[m] = k } else { stack.append(merges[m - n].a); stack.append(merges[m - n].b) }
            }
        }
        return label
    }

    // Python's heapq on distinct integers.
    static func heapPush(_ heap: inout [Int], _ item: Int) {
        heap.append(item)
        siftDown(&heap, start: 0, pos: heap.count - 1)
    }

    static func heapPushPop(_ heap: inout [Int], _ item: Int) -> Int {
        guard let top = heap.first, top < item else { return item }
        heap[0] = item
        siftUp(&heap, 0)
        return top
    }

    static func siftDown(_ heap: inout [Int], start: Int, pos: Int) {
        var pos = pos
        let item = heap[pos]
        while pos > start {
            let parent = (pos - 1) >> 1
            guard item < heap[parent] else { break }
            heap[pos] = heap[parent]
            pos = parent
        }
        heap[pos] = item
    }

    static func siftUp(_ heap: inout [Int], _ start: Int) {
        var pos = start
        let end = heap.count, item = heap[pos]
        var child = 2 * pos + 1
        while child < end {
            let right = child + 1
            if right < end && !(heap[child] < heap[right]) { child = right }
            heap[pos] = heap[child]
            pos = child
            child = 2 * pos + 1
        }
        heap[pos] = item
        siftDown(&heap, start: start, pos: pos)
    }
}
