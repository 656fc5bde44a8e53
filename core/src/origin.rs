//! Origins: where each value of a checked object came from, so that a finding on an object
//! that was built (a Kustomize build) or rendered (a Helm chart) is shown where a user can fix
//! it, not in a stream that exists nowhere.
//!
//! A plain file needs none of this: its objects are located through their own span tree. An
//! object that a tool produced carries a [`Provenance`]: an [`OriginTree`] that mirrors the
//! value only as deep as its pieces differ in where they came from, and the chain of builds or
//! renders that produced it. [`Object::locate`](crate::Object::locate) resolves a pointer
//! through it; every front end then sees an ordinary [`Location`].
//!
//! - [`OriginTree::From`]: the subtree was read whole from a node of another object as read
//!   from its file (a base resource, a patch): deeper pointers are looked up in that object.
//! - [`OriginTree::Set`]: the value was made by a tool field, not read from a file node (a
//!   kustomization's `images:` entry, `namePrefix`, a generator; a Helm template line):
//!   every pointer at or below it is located there.
//! - [`OriginTree::Mixed`]: a mapping or sequence assembled from several origins: listed
//!   children have their own origin, the others fall back to `base`.

use std::sync::Arc;

use crate::diagnostic::Location;
use crate::object::Object;

/// Where a subtree of a built or rendered object came from.
#[derive(Clone, Debug)]
pub enum OriginTree {
    /// Read whole from the node at `pointer` of `object` (as loaded from its file).
    From {
        object: Arc<Object>,
        pointer: String,
    },
    /// Made by a tool field at `location`; `note` says which (`images` in overlays/prod).
    Set {
        location: Location,
        note: Option<Arc<str>>,
    },
    /// Assembled: children by reference token (a key, or an array index in decimal), the rest
    /// from `base` (`None`: located where the nearest ancestor with an origin is).
    Mixed {
        base: Option<Box<OriginTree>>,
        children: Vec<(String, OriginTree)>,
    },
}

/// How an object was produced, and where each of its values came from.
#[derive(Clone, Debug)]
pub struct Provenance {
    pub tree: OriginTree,
    /// The builds or renders that produced the object, outermost first
    /// (`kustomize overlays/prod`, `base`; `helm shop@prod`).
    pub chain: Vec<Arc<str>>,
}

/// A resolved origin: where to point, and the tool field that set the value, if any.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub location: Location,
    pub note: Option<Arc<str>>,
}

impl OriginTree {
    /// Resolves `pointer` (RFC 6901, relative to this node) to a location. `at_key` asks for the
    /// key's span rather than the value's, where the origin is a file node. `None` when nothing
    /// in the tree says where the value came from.
    pub fn resolve(&self, pointer: &str, at_key: bool) -> Option<Resolved> {
        match self {
            OriginTree::From {
                object,
                pointer: prefix,
            } => {
                let full = format!("{prefix}{pointer}");
                Some(Resolved {
                    location: object.locate(&full, at_key),
                    note: None,
                })
            }
            OriginTree::Set { location, note } => Some(Resolved {
                location: location.clone(),
                note: note.clone(),
            }),
            OriginTree::Mixed { base, children } => {
                if let Some(rest) = pointer.strip_prefix('/') {
                    let (token, tail) = match rest.find('/') {
                        Some(cut) => (&rest[..cut], &rest[cut..]),
                        None => (rest, ""),
                    };
                    let token = unescape(token);
                    if let Some((_, child)) = children.iter().find(|(k, _)| *k == token)
                        && let Some(found) = child.resolve(tail, at_key)
                    {
                        return Some(found);
                    }
                }
                base.as_ref()?.resolve(pointer, at_key)
            }
        }
    }
}

fn unescape(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains('~') {
        token.replace("~1", "/").replace("~0", "~").into()
    } else {
        token.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Discovery, LoadOptions, load_text};
    use crate::source::Span;

    fn object(name: &str, text: &str) -> Arc<Object> {
        let loaded = load_text(
            name,
            text.to_owned(),
            Discovery::Explicit,
            &LoadOptions::default(),
        );
        Arc::new(loaded.objects.into_iter().next().expect("one object"))
    }

    #[test]
    fn pointers_resolve_through_files_tool_fields_and_assembled_nodes() {
        let base = object(
            "base/deploy.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: app\n    image: nginx\n",
        );
        let kustomization = crate::Source::new(
            "overlay/kustomization.yaml",
            "images:\n- name: nginx\n  newTag: latest\n",
        );
        let set = Location {
            source: kustomization.clone(),
            span: Span::new(24, 38),
            template: None,
        };
        let tree = OriginTree::Mixed {
            base: Some(Box::new(OriginTree::From {
                object: base.clone(),
                pointer: String::new(),
            })),
            children: vec![(
                "spec".to_owned(),
                OriginTree::Mixed {
                    base: None,
                    children: vec![(
                        "containers".to_owned(),
                        OriginTree::Mixed {
                            base: None,
                            children: vec![(
                                "0".to_owned(),
                                OriginTree::Mixed {
                                    base: None,
                                    children: vec![(
                                        "image".to_owned(),
                                        OriginTree::Set {
                                            location: set,
                                            note: Some("images".into()),
                                        },
                                    )],
                                },
                            )],
                        },
                    )],
                },
            )],
        };
        let image = tree
            .resolve("/spec/containers/0/image", false)
            .expect("image");
        assert_eq!(image.location.file(), "overlay/kustomization.yaml");
        assert_eq!(image.note.as_deref(), Some("images"));
        let name = tree
            .resolve("/spec/containers/0/name", false)
            .expect("name");
        assert_eq!(name.location.file(), "base/deploy.yaml");
        assert_eq!(name.location.start().line, 7);
        let meta = tree.resolve("/metadata/name", false).expect("name");
        assert_eq!(meta.location.start().line, 4);
    }
}
