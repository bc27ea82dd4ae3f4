use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

const SMALL: LineLimits = LineLimits {
    verbatim_max: 64,
    string_keep: 16,
    json_line_max: 1_000,
};

fn assemble(limits: LineLimits, pieces: &[&str]) -> (String, u64) {
    let mut buffer = LineBuffer::new(limits);
    for piece in pieces {
        buffer.push(piece);
    }
    let dropped = buffer.dropped();
    (buffer.take(), dropped)
}

/// The head of a JSON string value as [`LineBuffer`] keeps it, note stripped.
fn kept_head(value: &str) -> &str {
    value.split(" …[llm-cli-gateway:").next().unwrap_or(value)
}

#[test]
fn bounded_text_keeps_a_head_on_a_character_boundary_and_notes_the_rest() {
    let cases: &[(usize, &[&str], &str, u64)] = &[
        (10, &["hello"], "hello", 0),
        (5, &["hello", " world"], "hello", 6),
        (4, &["héllo"], "hél", 2), // 'é' is 2 bytes: "hé" = 3, "hél" = 4
        (2, &["héllo"], "h", 5),   // would cut inside 'é'
        (0, &["x", "yz"], "", 3),
        (6, &["ab", "", "cd", "ef", "g"], "abcdef", 1),
    ];
    for (limit, pieces, kept, dropped) in cases {
        let mut text = BoundedText::new(*limit);
        for piece in *pieces {
            text.push_str(piece);
        }
        assert_eq!(text.dropped(), *dropped, "{pieces:?} into {limit}");
        let taken = text.take();
        assert!(taken.starts_with(kept), "{taken:?}");
        if *dropped == 0 {
            assert_eq!(taken, *kept);
        } else {
            assert_eq!(taken, format!("{kept}{}", elision_note(*dropped)));
        }
        assert!(text.is_empty(), "take leaves it empty");
    }
}

#[test]
fn bounded_text_trims_only_the_kept_part() {
    let mut text = BoundedText::new(100);
    text.push_str("answer \n\n");
    assert_eq!(text.take_trimmed(), "answer");
    let mut text = BoundedText::new(4);
    text.push_str("ab  cdef");
    assert_eq!(text.take_trimmed(), format!("ab{}", elision_note(4)));
    let mut text = BoundedText::new(4);
    text.push('é');
    text.push('é');
    text.push('é');
    assert_eq!(text.take(), format!("éé{}", elision_note(2)));
}

#[test]
fn short_lines_pass_untouched_and_lose_only_a_trailing_cr() {
    let cases: &[(&[&str], &str)] = &[
        (&["plain text"], "plain text"),
        (&["{\"a\":", "\"b\"}"], "{\"a\":\"b\"}"),
        (&["windows line\r"], "windows line"),
        (&["\"unterminated"], "\"unterminated"),
        (&[""], ""),
    ];
    for (pieces, expected) in cases {
        assert_eq!(assemble(SMALL, pieces), ((*expected).to_owned(), 0));
    }
}

#[test]
fn a_long_plain_line_is_cut_at_a_character_boundary() {
    let line = "é".repeat(100); // 200 bytes
    let (kept, dropped) = assemble(SMALL, &[&line]);
    assert_eq!(kept, "é".repeat(32));
    assert_eq!(dropped, 136);
    let (kept, dropped) = assemble(SMALL, &["x", &"é".repeat(100)]);
    assert_eq!(kept, format!("x{}", "é".repeat(31)));
    assert_eq!(
        dropped, 138,
        "the cut falls before the é that would cross 64 bytes"
    );
}

#[test]
fn a_long_json_line_keeps_its_fields_and_the_head_of_each_long_string() {
    let answer = "a".repeat(500);
    let line = json!({"type": "result", "result": answer, "session_id": "s-1",
        "usage": {"input_tokens": 12}, "total_cost_usd": 0.5})
    .to_string();
    let (kept, dropped) = assemble(SMALL, &[&line]);
    let value: Value = serde_json::from_str(&kept).expect("still JSON");
    assert_eq!(value["session_id"], "s-1");
    assert_eq!(value["usage"]["input_tokens"], 12);
    assert_eq!(value["total_cost_usd"], 0.5);
    let result = value["result"].as_str().unwrap();
    assert_eq!(result, format!("{}{}", "a".repeat(16), elision_note(484)));
    assert_eq!(dropped, 484);
}

#[test]
fn escapes_and_multibyte_characters_are_never_cut_in_half() {
    let values = [
        "\"".repeat(40),
        "\\".repeat(40),
        "\u{e9}".repeat(40),
        "\u{1F600}".repeat(40),
        "\n\t".repeat(40),
        "\u{0001}x".repeat(40),
    ];
    for value in values {
        let line = json!({"k": value, "after": true}).to_string();
        for split in [1, 3, 7, 64] {
            let pieces = split_on_char_boundaries(&line, split);
            let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
            let (kept, _) = assemble(SMALL, &pieces);
            let parsed: Value = serde_json::from_str(&kept)
                .unwrap_or_else(|error| panic!("{error}: {kept} from {line}"));
            assert_eq!(parsed["after"], true);
            let head = kept_head(parsed["k"].as_str().unwrap());
            assert!(value.starts_with(head), "{head:?} is a prefix of the value");
            assert!(!head.is_empty());
        }
    }
}

#[test]
fn a_pretty_printed_member_line_is_treated_as_json() {
    let line = format!("  \"response\": \"{}\",", "z".repeat(300));
    let (kept, dropped) = assemble(SMALL, &[&line]);
    assert_eq!(
        kept,
        format!(
            "  \"response\": \"{}{}\",",
            "z".repeat(16),
            elision_note(284)
        )
    );
    assert_eq!(dropped, 284);
}

#[test]
fn pathological_json_structure_is_cut_at_the_hard_limit() {
    let line = format!("[{}1]", "1,".repeat(2_000));
    let (kept, dropped) = assemble(SMALL, &[&line]);
    assert_eq!(kept.len(), SMALL.json_line_max);
    assert_eq!(kept.len() as u64 + dropped, line.len() as u64);
}

#[test]
fn the_buffer_is_reset_between_lines() {
    let mut buffer = LineBuffer::new(SMALL);
    buffer.push(&format!("{{\"a\":\"{}\"}}", "x".repeat(100)));
    assert!(buffer.dropped() > 0);
    let _ = buffer.take();
    assert!(buffer.is_empty());
    buffer.push("next\r");
    assert_eq!(buffer.take(), "next");
}

#[test]
fn memory_stays_bounded_for_a_huge_string() {
    let mut buffer = LineBuffer::new(LineLimits {
        verbatim_max: 1024,
        string_keep: 1024,
        json_line_max: 8 * 1024,
    });
    buffer.push("{\"result\":\"");
    let chunk = "y".repeat(64 * 1024);
    for _ in 0..1_000 {
        buffer.push(&chunk);
    }
    buffer.push("\",\"session_id\":\"s\"}");
    assert_eq!(buffer.dropped(), 64 * 1024 * 1000 - 1024);
    let line = buffer.take();
    assert!(line.len() < 2048, "{}", line.len());
    let value: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(value["session_id"], "s");
}

fn split_on_char_boundaries(text: &str, every: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    for character in text.chars() {
        current.push(character);
        if current.len() >= every {
            pieces.push(std::mem::take(&mut current));
        }
    }
    pieces.push(current);
    pieces
}

proptest! {
    /// Whatever the JSON and however it is split, the line stays valid JSON with the same
    /// shape, every string is a prefix (plus note) of the original, and pieces do not matter.
    #[test]
    fn any_json_line_stays_json_with_string_prefixes(
        value in json_value(),
        split in 1_usize..40,
    ) {
        let line = value.to_string();
        let whole = assemble(SMALL, &[&line]);
        let pieces = split_on_char_boundaries(&line, split);
        let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
        prop_assert_eq!(&assemble(SMALL, &pieces), &whole);
        if whole.0.len() < SMALL.json_line_max {
            let parsed: Value = serde_json::from_str(&whole.0).expect("valid JSON");
            prop_assert!(same_shape(&value, &parsed), "{} vs {}", line, whole.0);
        }
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,80}".prop_map(Value::from),
        "[\"\\\\\\u{0}-\\u{1f}é😀a]{0,80}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{0,12}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Same structure and non-string leaves; strings (and keys) are kept heads of the original.
fn same_shape(original: &Value, kept: &Value) -> bool {
    match (original, kept) {
        (Value::String(original), Value::String(kept)) => original.starts_with(kept_head(kept)),
        (Value::Array(original), Value::Array(kept)) => {
            original.len() == kept.len() && original.iter().zip(kept).all(|(a, b)| same_shape(a, b))
        }
        (Value::Object(original), Value::Object(kept)) => {
            original.len() == kept.len()
                && original.iter().zip(kept).all(|((key, a), (kept_key, b))| {
                    key.starts_with(kept_head(kept_key)) && same_shape(a, b)
                })
        }
        (original, kept) => original == kept,
    }
}
