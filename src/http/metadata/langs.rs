//! "Add ServiceStack Reference": the DTOs in C#, TypeScript, JavaScript modules and Python,
//! written from the operation description the way ServiceStack's NativeTypes writes them
//! (an options header with `BaseUrl`, `IReturn<…>` and the verb marker, the route, string
//! enums). One writer per language, all reading the same `describe` types.

use std::fmt::Write;

use crate::http::api::describe::{self, Auth, Dto, EnumDesc, Member, Operation, STATUS, Ty};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    CSharp,
    TypeScript,
    Mjs,
    Python,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::TypeScript, Lang::Mjs, Lang::CSharp, Lang::Python];

    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "csharp" => Some(Self::CSharp),
            "typescript" => Some(Self::TypeScript),
            "mjs" => Some(Self::Mjs),
            "python" => Some(Self::Python),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::CSharp => "csharp",
            Self::TypeScript => "typescript",
            Self::Mjs => "mjs",
            Self::Python => "python",
        }
    }

    /// The file the `x` tool and `npx get-dtos` save it as.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::CSharp => "dtos.cs",
            Self::TypeScript => "dtos.ts",
            Self::Mjs => "dtos.mjs",
            Self::Python => "dtos.py",
        }
    }

    pub fn content_type(self) -> &'static str {
        "text/plain; charset=utf-8"
    }
}

/// What a caller may set with query parameters (`?AddDataContractAttributes=true`).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub base_url: String,
    /// `Date:` in the header, already formatted.
    pub date: String,
    pub add_data_contract_attributes: bool,
}

/// The version NativeTypes reports; clients only echo it back.
const VERSION: &str = "8.0";

pub fn generate(lang: Lang, opts: &Options, only: Option<&Operation>) -> String {
    let ops: Vec<&Operation> = match only {
        Some(op) => vec![op],
        None => describe::OPERATIONS.iter().collect(),
    };
    let mut dtos: Vec<&Dto> = Vec::new();
    for o in &ops {
        for d in [o.response, &o.request] {
            if !dtos.iter().any(|x| x.name == d.name) {
                dtos.push(d);
            }
        }
    }
    let mut out = String::new();
    match lang {
        Lang::CSharp => csharp(&mut out, opts, &ops, &dtos),
        Lang::TypeScript => typescript(&mut out, opts, &ops, &dtos),
        Lang::Mjs => mjs(&mut out, opts, &ops, &dtos),
        Lang::Python => python(&mut out, opts, &ops, &dtos),
    }
    out
}

fn header(
    out: &mut String,
    opts: &Options,
    (open, close, off): (&str, &str, &str),
    rest: &[(&str, String)],
) {
    let _ = writeln!(
        out,
        "{open} Options:\nDate: {}\nVersion: {VERSION}",
        opts.date
    );
    let _ = writeln!(
        out,
        "Tip: To override a DTO option, remove \"{off}\" prefix before updating\nBaseUrl: {}\n",
        opts.base_url
    );
    for (k, v) in rest {
        // A value set by the caller is written without the comment prefix ("!" marks it).
        if let Some(set) = v.strip_prefix('!') {
            let _ = writeln!(out, "{k}: {set}");
        } else {
            let _ = writeln!(out, "{off}{k}: {v}");
        }
    }
    let _ = writeln!(out, "{close}\n");
}

/// The options every language's header lists, between its own.
fn with_common(
    first: &[(&'static str, &str)],
    last: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    let mut out = vec![("GlobalNamespace", String::new())];
    out.extend(first.iter().map(|(k, v)| (*k, v.to_string())));
    out.extend([
        ("AddServiceStackTypes", "True".into()),
        ("AddResponseStatus", "False".into()),
        ("AddImplicitVersion", String::new()),
        ("AddDescriptionAsComments", "True".into()),
        ("IncludeTypes", String::new()),
        ("ExcludeTypes", String::new()),
    ]);
    out.extend(last.iter().cloned());
    out
}

fn op_of<'a>(ops: &[&'a Operation], dto: &Dto) -> Option<&'a Operation> {
    ops.iter().copied().find(|o| o.request.name == dto.name)
}

/// A request DTO's `Route` attributes (and, where the language shows it, the sign-in
/// validator), each line `open` + attribute + `close`.
fn annotate(out: &mut String, op: Option<&Operation>, (open, close): (&str, &str), auth: bool) {
    let Some(op) = op else { return };
    for r in &op.routes {
        let _ = writeln!(
            out,
            "{open}Route(\"{}\", \"{}\"){close}",
            r.path,
            r.verb.name()
        );
    }
    if auth && matches!(op.auth, Auth::Roles(_)) {
        let _ = writeln!(out, "{open}ValidateRequest(\"IsAuthenticated\"){close}");
    }
}

/// What a request DTO implements: `IReturn<response>` and its verb's marker.
fn returns(op: Option<&Operation>) -> Option<(&'static str, &'static str)> {
    op.map(|o| (o.response.name, o.verb().marker()))
}

fn api_member_attr(m: &Member) -> String {
    let mut parts = Vec::new();
    if !m.description.is_empty() {
        parts.push(format!("Description=\"{}\"", m.description));
    }
    if m.required {
        parts.push("IsRequired=true".to_owned());
    }
    if m.location == describe::Location::Path {
        parts.push("ParameterType=\"path\"".to_owned());
    }
    format!("ApiMember({})", parts.join(", "))
}

/// A member's description, and its `ApiMember` attribute (on a request DTO, or wherever it
/// has a description), each a line in the language's own form.
fn member_notes(
    out: &mut String,
    op: Option<&Operation>,
    m: &Member,
    description: impl Fn(&str) -> String,
    attribute: impl Fn(String) -> String,
) {
    if !m.description.is_empty() {
        let _ = writeln!(out, "{}", description(m.description));
    }
    if op.is_some() || !m.description.is_empty() {
        let _ = writeln!(out, "{}", attribute(api_member_attr(m)));
    }
}

fn csharp_type(m: &Member) -> String {
    m.type_name()
}

fn csharp(out: &mut String, opts: &Options, ops: &[&Operation], dtos: &[&Dto]) {
    let dc = opts.add_data_contract_attributes;
    header(
        out,
        opts,
        ("/*", "*/", "//"),
        &[
            ("GlobalNamespace", String::new()),
            ("MakePartial", "True".into()),
            ("MakeVirtual", "True".into()),
            ("MakeDataContractsExtensible", "False".into()),
            ("AddReturnMarker", "True".into()),
            ("AddDescriptionAsComments", "True".into()),
            (
                "AddDataContractAttributes",
                if dc { "!True".into() } else { "False".into() },
            ),
            ("AddIndexesToDataMembers", "False".into()),
            ("AddResponseStatus", "False".into()),
            ("IncludeTypes", String::new()),
            ("ExcludeTypes", String::new()),
            (
                "AddDefaultXmlNamespace",
                "http://schemas.servicestack.net/types".into(),
            ),
        ],
    );
    for u in [
        "System",
        "System.Collections.Generic",
        "System.Runtime.Serialization",
        "ServiceStack",
        "ServiceStack.DataAnnotations",
        describe::DTO_NAMESPACE,
        STATUS.namespace,
    ] {
        let _ = writeln!(out, "using {u};");
    }
    let _ = writeln!(out, "\nnamespace {}\n{{", describe::DTO_NAMESPACE);
    for d in dtos {
        let op = op_of(ops, d);
        annotate(out, op, ("    [", "]"), true);
        if dc {
            let _ = writeln!(out, "    [DataContract]");
        }
        let _ = write!(out, "    public partial class {}", d.name);
        if let Some((response, marker)) = returns(op) {
            let _ = write!(out, "\n        : IReturn<{response}>, {marker}");
        }
        let _ = writeln!(out, "\n    {{");
        for m in &d.members {
            member_notes(
                out,
                op,
                m,
                |d| format!("        ///<summary>\n        ///{d}\n        ///</summary>"),
                |attr| format!("        [{attr}]"),
            );
            if dc {
                let _ = writeln!(out, "        [DataMember]");
            }
            let _ = writeln!(
                out,
                "        public virtual {} {} {{ get; set; }}\n",
                csharp_type(m),
                m.name
            );
        }
        let _ = writeln!(out, "    }}\n");
    }
    let _ = writeln!(out, "}}\n\nnamespace {}\n{{", STATUS.namespace);
    let _ = writeln!(out, "    public enum {}\n    {{", STATUS.name);
    for v in &STATUS.values {
        let _ = writeln!(out, "        {v},");
    }
    let _ = writeln!(out, "    }}\n\n}}");
}

/// TypeScript's type and, for a member the constructor may leave unset, its initial value
/// (so the DTOs compile under `--strict`).
fn ts_member(m: &Member) -> (String, Option<String>) {
    let ty = match m.ty {
        Ty::Guid | Ty::String => "string".to_owned(),
        Ty::Bool => "boolean".to_owned(),
        Ty::Enum(e) => e.name.to_owned(),
    };
    let optional = m.nullable || m.ty == Ty::String;
    let init = match m.ty {
        _ if optional => None,
        Ty::Guid | Ty::String => Some("''".to_owned()),
        Ty::Bool => Some("false".to_owned()),
        Ty::Enum(e) => Some(format!("{}.{}", e.name, e.values[0])),
    };
    (ty, init)
}

fn typescript(out: &mut String, opts: &Options, ops: &[&Operation], dtos: &[&Dto]) {
    header(
        out,
        opts,
        ("/*", "*/", "//"),
        &with_common(
            &[("MakePropertiesOptional", "False")],
            &[("DefaultImports", String::new())],
        ),
    );
    let _ = writeln!(
        out,
        "export interface IReturn<T>\n{{\n    createResponse(): T;\n}}\n"
    );
    for marker in markers(ops) {
        let _ = writeln!(out, "export interface {marker} {{}}\n");
    }
    ts_enum(out, &STATUS);
    for d in dtos {
        let op = op_of(ops, d);
        if let Some(op) = op.filter(|o| !o.summary.is_empty()) {
            let _ = writeln!(out, "/** @description {} */", op.summary);
        }
        annotate(out, op, ("// @", ""), true);
        let _ = write!(out, "export class {}", d.name);
        if let Some((response, marker)) = returns(op) {
            let _ = write!(out, " implements IReturn<{response}>, {marker}");
        }
        let _ = writeln!(out, "\n{{");
        for m in &d.members {
            member_notes(
                out,
                op,
                m,
                |d| format!("    /** @description {d} */"),
                |attr| format!("    // @{attr}"),
            );
            let (ty, init) = ts_member(m);
            match init {
                None => {
                    let _ = writeln!(out, "    public {}?: {ty};\n", m.name);
                }
                Some(v) => {
                    let _ = writeln!(out, "    public {}: {ty} = {v};\n", m.name);
                }
            }
        }
        let _ = writeln!(
            out,
            "    public constructor(init?: Partial<{}>) {{ (Object as any).assign(this, init); }}",
            d.name
        );
        if let Some(op) = op {
            let _ = writeln!(out, "    public getTypeName() {{ return '{}'; }}", d.name);
            let _ = writeln!(
                out,
                "    public getMethod() {{ return '{}'; }}",
                op.verb().name()
            );
            let _ = writeln!(
                out,
                "    public createResponse() {{ return new {}(); }}",
                op.response.name
            );
        }
        let _ = writeln!(out, "}}\n");
    }
}

fn markers(ops: &[&Operation]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for o in ops {
        let m = o.verb().marker();
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out
}

fn ts_enum(out: &mut String, e: &EnumDesc) {
    let _ = writeln!(out, "export enum {}\n{{", e.name);
    for v in &e.values {
        let _ = writeln!(out, "    {v} = '{v}',");
    }
    let _ = writeln!(out, "}}\n");
}

fn mjs(out: &mut String, opts: &Options, ops: &[&Operation], dtos: &[&Dto]) {
    header(
        out,
        opts,
        ("/*", "*/", "//"),
        &[
            ("AddServiceStackTypes", "True".into()),
            ("AddDescriptionAsComments", "True".into()),
            ("IncludeTypes", String::new()),
            ("ExcludeTypes", String::new()),
            ("DefaultImports", String::new()),
        ],
    );
    let _ = writeln!(out, "\"use strict\";");
    let values: Vec<String> = STATUS.values.iter().map(|v| format!("'{v}'")).collect();
    let _ = writeln!(out, "/** @typedef {{{}}} */", values.join("|"));
    let _ = writeln!(out, "export var {0};\n(function ({0}) {{", STATUS.name);
    for v in &STATUS.values {
        let _ = writeln!(out, "    {0}[\"{1}\"] = \"{1}\"", STATUS.name, v);
    }
    let _ = writeln!(out, "}})({0} || ({0} = {{}}));", STATUS.name);
    for d in dtos {
        let op = op_of(ops, d);
        let js_types: Vec<String> = d
            .members
            .iter()
            .map(|m| format!("{}?:{}", m.name, ts_member(m).0))
            .collect();
        annotate(out, op, ("// @", ""), false);
        let _ = writeln!(out, "export class {} {{", d.name);
        let _ = writeln!(
            out,
            "    /** @param {{{{{}}}}} [init] */\n    constructor(init) {{ Object.assign(this, init) }}",
            js_types.join(",")
        );
        for m in &d.members {
            let (ty, _) = ts_member(m);
            let ty = if m.nullable { format!("?{ty}") } else { ty };
            if !m.description.is_empty() {
                let _ = writeln!(
                    out,
                    "    /**\n     * @type {{{ty}}}\n     * @description {} */",
                    m.description
                );
            } else {
                let _ = writeln!(out, "    /** @type {{{ty}}} */");
            }
            let _ = writeln!(out, "    {};", m.name);
        }
        if let Some(op) = op {
            let _ = writeln!(out, "    getTypeName() {{ return '{}' }}", d.name);
            let _ = writeln!(out, "    getMethod() {{ return '{}' }}", op.verb().name());
            let _ = writeln!(
                out,
                "    createResponse() {{ return new {}() }}",
                op.response.name
            );
        }
        let _ = writeln!(out, "}}\n");
    }
}

/// Python's names: `snake_case` members and `UPPER_SNAKE` enum members.
fn snake(name: &str) -> String {
    crate::http::api::modifiers::rename(name, crate::http::api::modifiers::TextCase::Snake)
}

fn python_type(m: &Member) -> String {
    match m.ty {
        Ty::Guid | Ty::String => "str".to_owned(),
        Ty::Bool => "bool".to_owned(),
        Ty::Enum(e) => e.name.to_owned(),
    }
}

fn python(out: &mut String, opts: &Options, ops: &[&Operation], dtos: &[&Dto]) {
    header(
        out,
        opts,
        ("\"\"\"", "\"\"\"", "#"),
        &with_common(
            &[],
            &[
            (
                "DefaultImports",
                "datetime,decimal,marshmallow.fields:*,servicestack:*,typing:*,dataclasses:dataclass/field,dataclasses_json:dataclass_json/LetterCase/Undefined/config,enum:Enum/IntEnum".into(),
            ),
            ("DataClass", String::new()),
            ("DataClassJson", String::new()),
            ],
        ),
    );
    let _ = writeln!(
        out,
        "import datetime\nimport decimal\nfrom marshmallow.fields import *\nfrom servicestack import *\nfrom typing import *\nfrom dataclasses import dataclass, field\nfrom dataclasses_json import dataclass_json, LetterCase, Undefined, config\nfrom enum import Enum, IntEnum\n\n"
    );
    let _ = writeln!(out, "class {}(str, Enum):", STATUS.name);
    for v in &STATUS.values {
        let _ = writeln!(out, "    {} = '{v}'", snake(v).to_ascii_uppercase());
    }
    let _ = writeln!(out, "\n");
    for d in dtos {
        let op = op_of(ops, d);
        annotate(out, op, ("# @", ""), false);
        let _ = writeln!(
            out,
            "@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)\n@dataclass"
        );
        match returns(op) {
            Some((response, marker)) => {
                let _ = writeln!(out, "class {}(IReturn[{response}], {marker}):", d.name);
            }
            None => {
                let _ = writeln!(out, "class {}:", d.name);
            }
        }
        for m in &d.members {
            if op.is_some() || !m.description.is_empty() {
                let _ = writeln!(out, "    # @{}", api_member_attr(m));
            }
            let _ = writeln!(
                out,
                "    {}: Optional[{}] = None",
                snake(m.name),
                python_type(m)
            );
            if !m.description.is_empty() {
                let _ = writeln!(out, "    \"\"\"\n    {}\n    \"\"\"\n", m.description);
            }
        }
        let _ = writeln!(out, "\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(dc: bool) -> Options {
        Options {
            base_url: "https://desk.example".into(),
            date: "2026-01-01 00:00:00".into(),
            add_data_contract_attributes: dc,
        }
    }

    #[test]
    fn every_language_carries_every_dto_member_and_enum_value() {
        for lang in Lang::ALL {
            let text = generate(lang, &opts(false), None);
            assert!(text.contains("BaseUrl: https://desk.example"), "{lang:?}");
            for d in describe::dtos() {
                assert!(text.contains(d.name), "{lang:?} {}", d.name);
                for m in &d.members {
                    let name = if lang == Lang::Python {
                        snake(m.name)
                    } else {
                        m.name.to_owned()
                    };
                    assert!(text.contains(&name), "{lang:?} {}.{}", d.name, m.name);
                }
            }
            for v in &STATUS.values {
                assert!(
                    text.contains(&format!("'{v}'")) || text.contains(&format!("{v},")),
                    "{lang:?} {v}"
                );
            }
        }
    }

    #[test]
    fn csharp_data_contracts_only_when_asked() {
        let plain = generate(Lang::CSharp, &opts(false), None);
        assert!(!plain.contains("[DataContract]"));
        assert!(plain.contains("//AddDataContractAttributes: False"));
        assert!(plain.contains(": IReturn<PaysonCheckoutV2Response>, IPut"));
        assert!(
            plain.contains(
                "[Route(\"/payment/payson/v2/checkout/{Id}/sendpaymentrequest\", \"PUT\")]"
            )
        );
        let dc = generate(Lang::CSharp, &opts(true), None);
        assert!(dc.contains("\nAddDataContractAttributes: True"));
        assert!(dc.contains("[DataContract]") && dc.contains("[DataMember]"));
    }

    #[test]
    fn python_enum_members_and_one_operation() {
        let op = describe::operation(describe::IPN).expect("described");
        let text = generate(Lang::Python, &opts(false), Some(op));
        assert!(
            text.contains("class PaysonCheckout2IPNCallBack(IReturn[IpnCallBackResponse], IPost):")
        );
        assert!(!text.contains("SendCheckoutPaymentRequest"));
        let all = generate(Lang::Python, &opts(false), None);
        assert!(all.contains("    READY_TO_SHIP = 'ReadyToShip'"));
        assert!(all.contains("    company_id: Optional[str] = None"));
    }
}
