use crate::rules::*;

declare_rule! {
    /// A Service asks for a node port outside the cluster's node-port range.
    ///
    /// ## What it does
    /// Flags `spec.ports[].nodePort` values of Services outside the node-port range, by default
    /// 30000–32767 (the API server's default `--service-node-port-range`).
    ///
    /// ## Why is this bad?
    /// The API server rejects the Service: `provided port is not in the valid range`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   type: NodePort
    ///   selector: {app: web}
    ///   ports:
    ///     - port: 80
    ///       nodePort: 8080
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   type: NodePort
    ///   selector: {app: web}
    ///   ports:
    ///     - port: 80
    ///       nodePort: 30080
    /// ```
    ///
    /// ## Options
    /// - `range` (string, default `"30000-32767"`): the cluster's node-port range, as given
    ///   to the API server's `--service-node-port-range`.
    ///
    /// ## References
    /// - [Service type NodePort](https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport)
    id: "nodeport-out-of-range",
    category: Networking,
    severity: Error,
    enabled: true,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Options {
    range: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            range: "30000-32767".into(),
        }
    }
}

fn parse_range(text: &str) -> Result<(i64, i64), String> {
    let bad = || format!("`range` must look like `30000-32767`, got `{text}`");
    let (low, high) = text.split_once('-').ok_or_else(bad)?;
    let low: i64 = low.trim().parse().map_err(|_| bad())?;
    let high: i64 = high.trim().parse().map_err(|_| bad())?;
    if !(1..=65535).contains(&low) || !(1..=65535).contains(&high) || low > high {
        return Err(format!(
            "`range` must be two ports from 1 to 65535, low first, got `{text}`"
        ));
    }
    Ok((low, high))
}

pub(crate) fn build(options: Options) -> Result<Box<dyn Check>, String> {
    let (low, high) = parse_range(&options.range)?;
    Ok(Box::new(
        move |cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>| {
            let Some(ports) = super::service_spec(cx)
                .and_then(|spec| spec.get("ports"))
                .and_then(Value::as_array)
            else {
                return;
            };
            for (i, port) in ports.iter().enumerate() {
                let Some(node_port) = port.get("nodePort").and_then(Value::as_i64) else {
                    continue;
                };
                // Outside 1-65535 the API server's own check (`schema-invalid-port`) says it.
                if (1..=65535).contains(&node_port) && !(low..=high).contains(&node_port) {
                    out.push(
                    cx.diag(
                        &format!("/spec/ports/{i}/nodePort"),
                        format!("node port {node_port} is outside the node-port range {low}-{high}"),
                    )
                    .with_help(format!("pick a port from {low} to {high}, or leave `nodePort` out and let the cluster choose"))
                    .with_note("the API server rejects a Service whose node port is outside its `--service-node-port-range`"),
                );
                }
            }
        },
    ))
}
