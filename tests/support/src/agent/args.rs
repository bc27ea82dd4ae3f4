//! A small command-line parser that mimics the real CLIs' parsers closely enough to pick the
//! same prompt: variadic options swallow following words (claude's commander, codex `-i`),
//! optional values take the next word unless it looks like a flag (clap `[<X>]`), `--` ends
//! options, `--flag=value` and `-f=value` attach values.

/// How many values an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    Flag,
    Value,
    /// `[value]`: the next word unless it starts with `-`.
    Optional,
    /// `<values...>`: every following word up to the next one that starts with `-`.
    Variadic,
}

/// One option of a CLI: all its spellings (the first is the canonical name) and its arity.
#[derive(Debug, Clone, Copy)]
pub struct Opt {
    pub names: &'static [&'static str],
    pub arity: Arity,
}

pub const fn opt(names: &'static [&'static str], arity: Arity) -> Opt {
    Opt { names, arity }
}

/// The parse of one argv.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// Canonical option name and its values, in order.
    pub options: Vec<(String, Vec<String>)>,
    pub positionals: Vec<String>,
}

impl Parsed {
    pub fn has(&self, name: &str) -> bool {
        self.options.iter().any(|(option, _)| option == name)
    }

    /// The last value given to `name` (the option was given, with or without a value).
    pub fn value(&self, name: &str) -> Option<Option<&str>> {
        self.options
            .iter()
            .rev()
            .find(|(option, _)| option == name)
            .map(|(_, values)| values.last().map(String::as_str))
    }

    /// The last non-empty value given to `name`.
    pub fn string(&self, name: &str) -> Option<String> {
        self.value(name).flatten().map(str::to_owned)
    }

    /// Every value of every occurrence of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.options
            .iter()
            .filter(|(option, _)| option == name)
            .flat_map(|(_, values)| values.clone())
            .collect()
    }
}

/// Why an argv does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgError {
    /// An option the CLI does not have (as written).
    Unknown(String),
    /// A value-taking option at the end of argv (canonical name).
    MissingValue(String),
}

/// Parses `args` fully. With `stop_at_positional`, stops at the first positional word and
/// returns its index (for subcommands such as `codex exec`).
pub fn parse(
    args: &[String],
    table: &[Opt],
    stop_at_positional: bool,
) -> Result<(Parsed, Option<usize>), ArgError> {
    let mut parsed = Parsed::default();
    let mut index = 0;
    while index < args.len() {
        let arg = &args[index];
        index += 1;
        if arg == "--" {
            parsed.positionals.extend(args[index..].iter().cloned());
            break;
        }
        if !arg.starts_with('-') || arg == "-" {
            if stop_at_positional {
                return Ok((parsed, Some(index - 1)));
            }
            parsed.positionals.push(arg.clone());
            continue;
        }
        let (written, attached) = split_attached(arg, table);
        let Some(option) = table.iter().find(|option| option.names.contains(&written)) else {
            return Err(ArgError::Unknown(written.to_owned()));
        };
        let canonical = option.names[0].to_owned();
        let mut values = Vec::new();
        if let Some(value) = attached {
            values.push(value);
        } else {
            match option.arity {
                Arity::Flag => {}
                Arity::Value => match args.get(index) {
                    Some(value) => {
                        values.push(value.clone());
                        index += 1;
                    }
                    None => return Err(ArgError::MissingValue(canonical)),
                },
                Arity::Optional => {
                    if let Some(value) = args.get(index).filter(|value| !value.starts_with('-')) {
                        values.push(value.clone());
                        index += 1;
                    }
                }
                Arity::Variadic => {
                    while let Some(value) = args.get(index).filter(|value| !value.starts_with('-'))
                    {
                        values.push(value.clone());
                        index += 1;
                    }
                    if values.is_empty() {
                        return Err(ArgError::MissingValue(canonical));
                    }
                }
            }
        }
        parsed.options.push((canonical, values));
    }
    Ok((parsed, None))
}

/// `--name=value`, `-n=value` and clap's `-nvalue` (short value options only).
fn split_attached<'a>(arg: &'a str, table: &[Opt]) -> (&'a str, Option<String>) {
    if let Some((name, value)) = arg.split_once('=') {
        return (name, Some(value.to_owned()));
    }
    if !arg.starts_with("--") && arg.len() > 2 {
        let (name, rest) = arg.split_at(2);
        let takes_value = table.iter().any(|option| {
            option.names.contains(&name) && matches!(option.arity, Arity::Value | Arity::Optional)
        });
        if takes_value {
            return (name, Some(rest.to_owned()));
        }
    }
    (arg, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &[Opt] = &[
        opt(&["--print", "-p"], Arity::Flag),
        opt(&["--model", "-m"], Arity::Value),
        opt(&["--resume", "-r"], Arity::Optional),
        opt(&["--add-dir"], Arity::Variadic),
    ];

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn variadic_swallows_the_prompt_unless_dash_dash_ends_options() {
        let (parsed, _) = parse(&words("-p --add-dir /a /b prompt"), TABLE, false).unwrap();
        assert_eq!(parsed.all("--add-dir"), vec!["/a", "/b", "prompt"]);
        assert!(parsed.positionals.is_empty());
        let (parsed, _) = parse(&words("-p --add-dir /a -- -dash prompt"), TABLE, false).unwrap();
        assert_eq!(parsed.positionals, vec!["-dash", "prompt"]);
    }

    #[test]
    fn attached_and_optional_values() {
        let (parsed, _) = parse(&words("--model=x -mY -r -p"), TABLE, false).unwrap();
        assert_eq!(parsed.all("--model"), vec!["x", "Y"]);
        assert_eq!(parsed.value("--resume"), Some(None));
        let (parsed, _) = parse(&words("-r abc"), TABLE, false).unwrap();
        assert_eq!(parsed.string("--resume").as_deref(), Some("abc"));
    }

    #[test]
    fn errors_and_subcommand_stop() {
        assert_eq!(
            parse(&words("--bogus"), TABLE, false),
            Err(ArgError::Unknown("--bogus".into()))
        );
        assert_eq!(
            parse(&words("-p --model"), TABLE, false),
            Err(ArgError::MissingValue("--model".into()))
        );
        let (parsed, stop) = parse(&words("-p exec --json"), TABLE, true).unwrap();
        assert!(parsed.has("--print"));
        assert_eq!(stop, Some(1));
    }
}
