use crate::rules::*;

declare_rule! {
    /// A TCP or HTTP probe checks a port the container declares as UDP.
    ///
    /// ## What it does
    /// For each `tcpSocket` and `httpGet` probe (liveness, readiness, startup), finds the
    /// container port it names (by number or by name) and flags it when that port's
    /// `protocol` is `UDP` and no TCP port has the same number.
    ///
    /// ## Why is this bad?
    /// The kubelet opens a TCP connection; a process that listens only on UDP never accepts
    /// it, so the probe fails for ever: the container never becomes ready, or is restarted
    /// in a loop.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: dns
    /// spec:
    ///   containers:
    ///     - name: dns
    ///       image: example.com/dns:1.0
    ///       ports:
    ///         - name: dns
    ///           containerPort: 53
    ///           protocol: UDP
    ///       readinessProbe:
    ///         tcpSocket: {port: dns}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: dns
    /// spec:
    ///   containers:
    ///     - name: dns
    ///       image: example.com/dns:1.0
    ///       ports:
    ///         - name: dns
    ///           containerPort: 53
    ///           protocol: UDP
    ///         - name: health
    ///           containerPort: 8080
    ///       readinessProbe:
    ///         httpGet: {port: health, path: /ready}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - kube-score `container-ports-check` and probe target checks
    id: "probe-on-udp-port",
    category: Reliability,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    for c in pod.all_containers() {
        let ports: Vec<(Option<&str>, i64, bool)> = c
            .get("/ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let number = p.get("containerPort")?.as_i64()?;
                let udp = p.get("protocol").and_then(Value::as_str) == Some("UDP");
                Some((p.get("name").and_then(Value::as_str), number, udp))
            })
            .collect();
        if !ports.iter().any(|(_, _, udp)| *udp) {
            continue;
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            for handler in ["tcpSocket", "httpGet"] {
                let pointer = format!("/{probe}/{handler}/port");
                let Some(target) = c.get(&pointer) else {
                    continue;
                };
                let number = match target {
                    Value::String(name) => ports
                        .iter()
                        .find(|(n, _, _)| *n == Some(name.as_str()))
                        .map(|(_, number, _)| *number),
                    other => other.as_i64(),
                };
                let Some(number) = number else { continue };
                let udp = ports.iter().any(|(_, n, udp)| *n == number && *udp);
                let tcp = ports.iter().any(|(_, n, udp)| *n == number && !*udp);
                if udp && !tcp {
                    out.push(
                        cx.diag(
                            &c.at(&pointer),
                            format!(
                                "the {probe} of {} opens a TCP connection to port {number}, which the container declares as UDP",
                                c.describe()
                            ),
                        )
                        .with_help("probe a TCP port of the container, or use an `exec` or `grpc` probe"),
                    );
                }
            }
        }
    }
}
