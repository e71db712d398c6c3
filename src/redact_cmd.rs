//! `oauth-doctor redact [INPUT|-] [-o OUT]`: writes the redacted capture (see
//! [`crate::capture::rewrite`]) to stdout or a file and a summary of what was replaced on
//! stderr. Owns argument checks and output handling only.

use crate::cli::RedactArgs;
use anyhow::{Context as _, Result, bail};
use std::io::Write;

/// Run the command; returns the exit status.
pub fn run(args: &RedactArgs, verbosity: i8, stdout: &mut dyn Write) -> Result<i32> {
    let summary = match &args.output {
        None => crate::capture::rewrite::redact(&args.input, stdout)?,
        Some(path) => {
            if args.input != "-" {
                let same = std::fs::canonicalize(&args.input)
                    .ok()
                    .zip(std::fs::canonicalize(path).ok())
                    .is_some_and(|(a, b)| a == b);
                if same {
                    bail!(
                        "{}: refusing to overwrite the input; write the redacted capture to another file",
                        path.display()
                    );
                }
            }
            // Write next to the target and rename, so that a failure leaves no half capture.
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let tmp = dir.join(format!(
                ".{}.oauth-doctor-{}.tmp",
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "redacted".into()),
                std::process::id()
            ));
            let file = std::fs::File::create(&tmp)
                .with_context(|| format!("{}: cannot write", tmp.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let result = crate::capture::rewrite::redact(&args.input, &mut w)
                .map_err(anyhow::Error::from)
                .and_then(|s| {
                    w.flush()?;
                    Ok(s)
                });
            drop(w);
            match result {
                Ok(s) => {
                    std::fs::rename(&tmp, path)
                        .with_context(|| format!("{}: cannot write", path.display()))?;
                    s
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(e);
                }
            }
        }
    };
    if verbosity >= 0 {
        let mut err = anstream::stderr();
        let target = args
            .output
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "stdout".into());
        let kinds: Vec<String> = summary
            .counts
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        let _ = writeln!(
            err,
            "redacted {} value(s) in {} of {} entries ({}) → {target}{}",
            summary.total(),
            summary.changed,
            summary.entries,
            summary.format,
            if kinds.is_empty() {
                String::new()
            } else {
                format!(": {}", kinds.join(", "))
            }
        );
    }
    Ok(crate::app::EXIT_OK)
}
