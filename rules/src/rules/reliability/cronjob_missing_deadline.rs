use crate::rules::*;

declare_rule! {
    /// A CronJob sets no `startingDeadlineSeconds`.
    ///
    /// ## What it does
    /// Flags CronJobs without `spec.startingDeadlineSeconds`.
    ///
    /// ## Why is this bad?
    /// Without a deadline, a CronJob controller that was down or blocked counts every missed
    /// schedule since the last run; after 100 misses it stops scheduling the job altogether
    /// ("too many missed start times"). A deadline bounds that window and says how late a
    /// run may still start.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: batch/v1
    /// kind: CronJob
    /// metadata:
    ///   name: report
    /// spec:
    ///   schedule: "0 * * * *"
    ///   jobTemplate:
    ///     spec:
    ///       template:
    ///         spec:
    ///           restartPolicy: OnFailure
    ///           containers:
    ///             - name: report
    ///               image: example.com/report:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: batch/v1
    /// kind: CronJob
    /// metadata:
    ///   name: report
    /// spec:
    ///   schedule: "0 * * * *"
    ///   startingDeadlineSeconds: 300
    ///   jobTemplate:
    ///     spec:
    ///       template:
    ///         spec:
    ///           restartPolicy: OnFailure
    ///           containers:
    ///             - name: report
    ///               image: example.com/report:1.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [CronJob limitations](https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#cron-job-limitations)
    /// - kube-score `cronjob-has-deadline`
    id: "cronjob-missing-deadline",
    category: Reliability,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    super::report_missing_batch_field(
        cx,
        out,
        "CronJob",
        "startingDeadlineSeconds",
        "set `spec.startingDeadlineSeconds` to how late a run may still start (e.g. 300)",
    );
}
