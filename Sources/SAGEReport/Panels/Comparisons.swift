import Foundation

/// Per-region and per-individual correlations of every model, grouped by the region set they were measured on
/// (training regions, unseen regions, ...): the data behind the distribution and scatter panels.
///
/// Models: each evaluation is labelled by its model (r-SAGE-net, p-SAGE-net), with its run's name when several
/// runs of one model are compared; PrediXcan's per-region r on the same split's individuals joins each group
/// over the same region ids (a PrediXcan model is fitted per region, so every region has one).
struct Comparisons {
    /// A group: a region set measured on one set of individuals.
    struct Group: Hashable { var regions: String, individuals: String }

    var groups: [Group] = []
    var models: [String] = []
    /// Per (group, model): per-region r (id, value).
    var regionValues: [Group: [String: [(id: String, value: Double)]]] = [:]
    var individualValues: [Group: [String: [(id: String, value: Double)]]] = [:]

    init(_ inputs: ReportInputs) {
        let runsByModel = Dictionary(grouping: inputs.evaluations) { $0.model }.mapValues { Set($0.map(Self.runName)) }
        for e in inputs.evaluations {
            // An evaluation of another cohort (train_subs_*) is its own group: its individuals are other people.
            let other = (e.summary["training_cohort"] as? [String: Any])?["other_cohort"] as? Bool == true
            let g = Group(regions: e.regions, individuals: (other ? Self.otherCohort : "") + e.individuals)
            let label = Self.modelLabel(e.model) + ((runsByModel[e.model]?.count ?? 0) > 1 ? " · \(Self.runName(e))" : "")
            add(group: g, model: label)
            regionValues[g, default: [:]][label] = e.regionPearson
            if !e.individualPearson.isEmpty { individualValues[g, default: [:]][label] = e.individualPearson }
        }
        for p in inputs.predixcan {
            let label = "PrediXcan" + (inputs.predixcan.count > 1 ? " · \(p.name)" : "")
            let targets = groups.isEmpty ? [Group(regions: "all", individuals: "test")] : groups.filter { !$0.individuals.hasPrefix(Self.otherCohort) }
            for g in targets {
                let split: [Double]
                switch g.individuals { case "train": split = p.trainPearson; case "val": split = p.valPearson; case "test": split = p.testPearson; default: continue }
                let byRegion = Dictionary(zip(p.regionIDs, split)) { a, _ in a }
                let ids = g.regions == "all" && regionValues[g] == nil ? p.regionIDs : (regionValues[g]?.values.first?.map(\.id) ?? [])
                let values = ids.compactMap { id in byRegion[id].map { (id: id, value: $0) } }
                guard !values.isEmpty else { continue }
                add(group: g, model: label)
                regionValues[g, default: [:]][label] = values
            }
        }
        for e in inputs.enformer {
            join("Enformer (\(e.mode))" + (inputs.enformer.filter { $0.mode == e.mode }.count > 1 ? " · \((e.path as NSString).lastPathComponent)" : ""),
                 e.regionPearson) { $0.individuals == e.individuals }
        }
        for a in inputs.applied {
            join("PrediXcan" + (inputs.applied.count > 1 ? " · \(a.name)" : ""), a.regionPearson) { $0.individuals.hasPrefix(Self.otherCohort) }
        }
    }

    /// Prefix of the individuals of an evaluation on another cohort.
    static let otherCohort = "other cohort: "

    /// A baseline measured per region on a group's individuals joins every group over that group's region ids.
    mutating func join(_ label: String, _ byRegion: [String: Double], where include: (Group) -> Bool) {
        for g in groups where include(g) {
            let values = (regionValues[g]?.values.first?.map(\.id) ?? []).compactMap { id in byRegion[id].map { (id: id, value: $0) } }
            guard !values.isEmpty else { continue }
            add(group: g, model: label)
            regionValues[g, default: [:]][label] = values
        }
    }

    mutating func add(group: Group, model: String) {
        if !groups.contains(group) { groups.append(group) }
        if !models.contains(model) { models.append(model) }
    }

    /// Groups in a fixed order: training, validation, test (unseen), all, then region files.
    var orderedGroups: [Group] {
        let rank = ["train": 0, "val": 1, "test": 2, "all": 3]
        return groups.sorted { (rank[$0.regions] ?? 4, $0.regions, $0.individuals) < (rank[$1.regions] ?? 4, $1.regions, $1.individuals) }
    }

    /// "training regions", "unseen regions (test)", ...; the individuals are named when groups differ in them.
    func label(_ g: Group) -> String {
        let regions: String
        switch g.regions {
        case "train": regions = "training regions"
        case "val": regions = "validation regions"
        case "test": regions = "unseen regions (test)"
        case "all": regions = "all regions"
        default: regions = (g.regions as NSString).lastPathComponent
        }
        let individualSets = Set(groups.map(\.individuals))
        return individualSets.count > 1 ? "\(regions), \(Self.individualsLabel(g.individuals))" : regions
    }

    static func individualsLabel(_ s: String) -> String {
        if s.hasPrefix(otherCohort) { return "another cohort (" + individualsLabel(String(s.dropFirst(otherCohort.count))) + ")" }
        return ["train": "training individuals", "val": "validation individuals", "test": "held-out (test) individuals", "all": "all individuals"][s]
            ?? (s as NSString).lastPathComponent
    }

    static func modelLabel(_ model: String) -> String {
        ["psagenet": "p-SAGE-net", "rsagenet": "r-SAGE-net"][model] ?? model
    }

    /// The run an evaluation's checkpoint belongs to (the checkpoint's directory name).
    static func runName(_ e: EvaluationOutput) -> String {
        guard let checkpoint = e.summary["checkpoint"] as? String else { return e.name }
        return ((checkpoint as NSString).deletingLastPathComponent as NSString).lastPathComponent
    }
}
