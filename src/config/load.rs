//! Reading the settings: the file, then the `CHECKOUT_DESK_*` variables over it, each
//! error named by the file line or the variable it came from.

use std::path::Path;

use super::{ConfigError, ENV_PREFIX, Settings};

impl Settings {
    /// Loads the file (if given) and overlays `CHECKOUT_DESK_*` variables from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let (text, file_table) = match file {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| ConfigError::Read(p.display().to_string(), e))?;
                let table = text
                    .parse::<toml::Table>()
                    .map_err(|e| ConfigError::Invalid(format!("{}: {e}", p.display())))?;
                (Some((p, text)), table)
            }
            None => (None, toml::Table::new()),
        };
        let env: Vec<(Vec<String>, String)> = env
            .into_iter()
            .filter_map(|(k, v)| {
                let rest = k.strip_prefix(ENV_PREFIX)?;
                // CHECKOUT_DESK_CONFIG names the file itself.
                (rest != "CONFIG").then(|| {
                    let path = rest.split("__").map(str::to_ascii_lowercase).collect();
                    (path, v)
                })
            })
            .collect();
        // An environment value is a TOML literal (`true`, `20000`, `["a"]`) unless the
        // setting it overrides is text: then it stays text (a digits-only token).
        let mut as_text: Vec<&[String]> = Vec::new();
        let settings = loop {
            let mut table = file_table.clone();
            for (path, raw) in &env {
                let value = if as_text.contains(&path.as_slice()) {
                    toml::Value::String(raw.clone())
                } else {
                    env_value(raw)
                };
                insert_path(&mut table, path, value)?;
            }
            match serde_path_to_error::deserialize::<_, Settings>(toml::Value::Table(table)) {
                Ok(s) => break s,
                Err(e) => {
                    let at = e.path().to_string();
                    let retyped = env.iter().find(|(path, raw)| {
                        path.join(".") == at
                            && !as_text.contains(&path.as_slice())
                            && !env_value(raw).is_str()
                    });
                    if let Some((path, _)) = retyped {
                        as_text.push(path);
                        continue;
                    }
                    return Err(explain(&e, text.as_ref(), &env));
                }
            }
        };
        settings.validate()?;
        Ok(settings)
    }
}

/// Environment values are TOML literals when they parse as one (`true`, `20000`), else strings.
fn env_value(raw: &str) -> toml::Value {
    format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .filter(|v| !v.is_table())
        .unwrap_or_else(|| toml::Value::String(raw.to_owned()))
}

/// Where a setting went wrong: `at payson.request_timeout_ms: …`, with the file's line
/// when the value came from the file, or the environment variable's name.
fn explain(
    e: &serde_path_to_error::Error<toml::de::Error>,
    file: Option<&(&Path, String)>,
    env: &[(Vec<String>, String)],
) -> ConfigError {
    let at = e.path().to_string();
    let from_env = env.iter().any(|(p, _)| p.join(".") == at);
    let inner = e.inner().message().trim_end().to_owned();
    let place = if from_env {
        let name: Vec<String> = at.split('.').map(str::to_ascii_uppercase).collect();
        format!("{ENV_PREFIX}{}", name.join("__"))
    } else if let Some((p, text)) = file {
        // Deserializing the text itself gives the span the merged table has lost.
        match toml::from_str::<Settings>(text) {
            Err(fe) => {
                let line = fe
                    .span()
                    .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
                match line {
                    Some(l) => format!("{} line {l}", p.display()),
                    None => p.display().to_string(),
                }
            }
            Ok(_) => p.display().to_string(),
        }
    } else {
        "settings".to_owned()
    };
    if at.is_empty() || at == "." {
        ConfigError::Invalid(format!("{place}: {inner}"))
    } else {
        ConfigError::Invalid(format!("{place}: {at}: {inner}"))
    }
}

fn insert_path(
    table: &mut toml::Table,
    path: &[String],
    value: toml::Value,
) -> Result<(), ConfigError> {
    match path {
        [] => Ok(()),
        [last] => {
            table.insert(last.clone(), value);
            Ok(())
        }
        [first, rest @ ..] => {
            let entry = table
                .entry(first.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match entry {
                toml::Value::Table(t) => insert_path(t, rest, value),
                _ => Err(ConfigError::Invalid(format!("{first} is not a section"))),
            }
        }
    }
}
