use crate::facts::{Count, Detail, MinAvailable};
use crate::rules::*;

declare_rule! {
    /// A PodDisruptionBudget allows no voluntary disruption at all.
    ///
    /// ## What it does
    /// Flags PodDisruptionBudgets with `maxUnavailable` of `0` or `0%`, `minAvailable` of
    /// `100%`, or a `minAvailable` that keeps every replica of a workload it selects among the
    /// checked files (a left-out `replicas` counts as 1): an integer equal to or above the
    /// replicas, or a percentage that, rounded up as the disruption controller rounds it,
    /// covers them all (`50%` of one replica is that replica). When a
    /// HorizontalPodAutoscaler of the run scales that workload, its `minReplicas` (1 when
    /// left out) is the replica count compared: at minimum scale the budget blocks every
    /// eviction, whatever `replicas` says (the autoscaler overrides it). The autoscaler's
    /// `minReplicas` is given as a related location.
    ///
    /// ## Why is this bad?
    /// Such a budget never lets the eviction API remove a pod, so node drains hang: cluster
    /// upgrades and autoscaler scale-downs stall until someone deletes the budget by hand.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: web
    /// spec:
    ///   maxUnavailable: 0
    ///   selector:
    ///     matchLabels: {app: web}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: web
    /// spec:
    ///   maxUnavailable: 1
    ///   selector:
    ///     matchLabels: {app: web}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Specifying a disruption budget](https://kubernetes.io/docs/tasks/run-application/configure-pdb/)
    /// - kube-linter `pdb-max-unavailable` and `pdb-min-available`, Polaris
    ///   `pdbDisruptionsIsZero`, kube-score `poddisruptionbudget-has-policy`
    id: "pdb-blocks-eviction",
    category: Reliability,
    severity: Warning,
    enabled: true,
}

no_options!(check);

const HELP: &str = "allow at least one pod to be evicted: `maxUnavailable: 1`, or a `minAvailable` below the replica count";

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let facts = cx.facts();
    let Detail::Pdb(pdb) = &facts.detail else {
        return;
    };
    if pdb.max_unavailable_zero {
        out.push(
            cx.diag_at(
                "/spec/maxUnavailable",
                pdb.max_unavailable_loc,
                "`maxUnavailable: 0` never allows a pod to be evicted",
            )
            .with_help(HELP),
        );
        return;
    }
    let min_available =
        |message: String| cx.diag_at("/spec/minAvailable", pdb.min_available_loc, message);
    // What `minAvailable` requires of `n` replicas: an integer as it is, a percentage of
    // `n` rounded up (as the disruption controller computes it).
    let (count, percent, stated) = match pdb.min_available {
        MinAvailable::Absent => return,
        MinAvailable::All => {
            out.push(
                min_available("`minAvailable: 100%` never allows a pod to be evicted".to_owned())
                    .with_help(HELP),
            );
            return;
        }
        MinAvailable::Count(count) => (Some(count), None, count.to_string()),
        MinAvailable::Percent(p) => (None, Some(p), format!("{p}%")),
        MinAvailable::Other => return,
    };
    let required = |n: i64| count.unwrap_or_else(|| (percent.unwrap_or(0) * n + 99) / 100);
    // How the requirement reads for `n` replicas: a percentage names the pods it keeps.
    let keeps = |n: i64| match count {
        Some(_) => String::new(),
        None => format!(" ({} of {n} pod(s), rounded up)", required(n)),
    };
    let Some(selector) = &pdb.selector else {
        return;
    };
    for entry in cx.index.pod_owners_matching_selector(facts, selector) {
        let kind = cx.text(entry.facts.kind);
        if !crate::util::is_replicated_kind(kind) {
            continue;
        }
        let name = entry.facts.name().map_or("<unnamed>", |n| cx.text(n));
        if let Some(hpa) = cx.index.autoscalers_near(entry.facts).next() {
            let Detail::Hpa(scaler) = &hpa.facts.detail else {
                continue;
            };
            let Some(floor) = scaler.min_replicas.floor() else {
                continue;
            };
            let default = if scaler.min_replicas == Count::Absent {
                "default "
            } else {
                ""
            };
            if floor > 0 && required(floor) >= floor {
                let hpa_name = hpa.facts.name().map_or("<unnamed>", |n| cx.text(n));
                let mut d = min_available(format!(
                    "`minAvailable: {stated}`{} is not below the {default}`minReplicas: {floor}` of HorizontalPodAutoscaler `{hpa_name}`, which scales {kind} `{name}`: at minimum scale no pod can be evicted",
                    keeps(floor)
                ))
                .with_help(format!(
                    "lower `minAvailable` below {floor}, use `maxUnavailable: 1`, or raise the autoscaler's `minReplicas` above {}",
                    required(floor)
                ));
                d.related.push(plimsoll_core::Related {
                    message: format!(
                        "HorizontalPodAutoscaler `{hpa_name}` scales down to {floor} replica(s)"
                    ),
                    location: cx.location(scaler.min_replicas_loc),
                });
                out.push(d);
                return;
            }
            continue;
        }
        let Some(replicas) = entry.facts.replicas.replicas() else {
            continue;
        };
        if replicas > 0 && required(replicas) >= replicas {
            out.push(
                min_available(format!(
                    "`minAvailable: {stated}`{} is not below the {replicas} replica(s) of {kind} `{name}`, so no pod can be evicted",
                    keeps(replicas)
                ))
                .with_help(HELP),
            );
            return;
        }
    }
}
