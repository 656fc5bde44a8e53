use crate::rules::*;

declare_rule! {
    /// A Job is never cleaned up after it finishes.
    ///
    /// ## What it does
    /// Flags Jobs without `spec.ttlSecondsAfterFinished`. CronJobs are not reported: their
    /// history limits already clean up the Jobs they create.
    ///
    /// ## Why is this bad?
    /// Finished Jobs and their pods stay in the cluster until someone deletes them, piling up
    /// objects, logs and, for failed pods, references to old images and secrets.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: batch/v1
    /// kind: Job
    /// metadata:
    ///   name: migrate
    /// spec:
    ///   template:
    ///     spec:
    ///       restartPolicy: Never
    ///       containers:
    ///         - name: migrate
    ///           image: example.com/migrate:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: batch/v1
    /// kind: Job
    /// metadata:
    ///   name: migrate
    /// spec:
    ///   ttlSecondsAfterFinished: 86400
    ///   template:
    ///     spec:
    ///       restartPolicy: Never
    ///       containers:
    ///         - name: migrate
    ///           image: example.com/migrate:1.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Automatic cleanup for finished Jobs](https://kubernetes.io/docs/concepts/workloads/controllers/ttlafterfinished/)
    /// - kube-linter `job-ttl-seconds-after-finished`
    id: "job-missing-ttl",
    category: Reliability,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    super::report_missing_batch_field(
        cx,
        out,
        "Job",
        "ttlSecondsAfterFinished",
        "set `spec.ttlSecondsAfterFinished` so the finished Job and its pods are deleted",
    );
}
