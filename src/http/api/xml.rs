//! The one writer of DataContract XML, for every document the API sends: the root element
//! with `xmlns:i` and its namespace, the members in contract order, `i:nil="true"` for a
//! null member, and escaping left to quick-xml.

use std::fmt::Display;

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The default namespace of a document's elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace {
    /// BokaMera's DTOs (the seed page's sample).
    Dtos,
    /// ServiceStack's own types, such as `ErrorResponse`.
    ServiceStack,
}

impl Namespace {
    pub fn uri(self) -> &'static str {
        match self {
            Self::Dtos => "http://schemas.datacontract.org/2004/07/BokaMera.API.ServiceModel.Dtos",
            Self::ServiceStack => "http://schemas.servicestack.net/types",
        }
    }
}

/// A type whose members are written as DataContract elements.
pub trait Contract {
    /// Writes the members in the contract's order: alphabetical, unless the .NET type
    /// sets `DataMember(Order)` (ServiceStack's `ResponseStatus` does). .NET silently
    /// drops members that come out of order, so the order is part of the wire format.
    fn members(&self, m: &mut Members<'_>);
}

/// A type sent as a whole XML document.
pub trait Document: Contract {
    const ROOT: &'static str;
    const NAMESPACE: Namespace;
}

/// Writes `doc` as `<ROOT xmlns:i="…" xmlns="…">members</ROOT>`, without declaration or
/// indentation, as ServiceStack does.
pub fn to_string<D: Document>(doc: &D) -> String {
    let mut writer = Writer::new(Vec::new());
    // `<X i:nil="true" />` is what .NET writes, space included.
    writer.config_mut().add_space_before_slash_in_empty_elements = true;
    let root =
        BytesStart::new(D::ROOT).with_attributes([("xmlns:i", XSI), ("xmlns", D::NAMESPACE.uri())]);
    let mut m = Members { w: &mut writer };
    m.event(Event::Start(root));
    doc.members(&mut m);
    m.event(Event::End(BytesEnd::new(D::ROOT)));
    String::from_utf8(writer.into_inner()).unwrap_or_default()
}

/// The elements of one contract, written in the order they are called.
pub struct Members<'w> {
    w: &'w mut Writer<Vec<u8>>,
}

impl Members<'_> {
    /// Writing into a `Vec` cannot fail: quick-xml only passes on the sink's I/O errors.
    fn event(&mut self, e: Event<'_>) {
        let _ = self.w.write_event(e);
    }

    /// `<name>value</name>`, escaped.
    pub fn text(&mut self, name: &str, value: &str) -> &mut Self {
        self.event(Event::Start(BytesStart::new(name)));
        self.event(Event::Text(BytesText::new(value)));
        self.event(Event::End(BytesEnd::new(name)));
        self
    }

    /// A value written by its `Display` form (GUIDs, booleans, enum names).
    pub fn value(&mut self, name: &str, value: impl Display) -> &mut Self {
        self.text(name, &value.to_string())
    }

    /// A nullable string: its text, or `<name i:nil="true" />`.
    pub fn nullable(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.text(name, v),
            None => {
                let nil = BytesStart::new(name).with_attributes([("i:nil", "true")]);
                self.event(Event::Empty(nil));
                self
            }
        }
    }

    /// A nested contract: `<name>members</name>`.
    pub fn element(&mut self, name: &str, value: &impl Contract) -> &mut Self {
        self.event(Event::Start(BytesStart::new(name)));
        value.members(self);
        self.event(Event::End(BytesEnd::new(name)));
        self
    }

    /// A list: `<name><item>…</item>…</name>`; an empty one is `<name></name>`.
    pub fn list<T: Contract>(&mut self, name: &str, item: &str, values: &[T]) -> &mut Self {
        self.event(Event::Start(BytesStart::new(name)));
        for v in values {
            self.element(item, v);
        }
        self.event(Event::End(BytesEnd::new(name)));
        self
    }
}
