//! The ServiceStack metadata pages (`/metadata`, `/{json,xml}/metadata`, `/types`): the
//! English follows ServiceStack's own pages, which BokaMera's users know.

messages! {
    METADATA;
    back_to_services { en: "<back to all web services", sv: "<tillbaka till alla webbtjänster" }
    requires_authentication { en: "Requires Authentication", sv: "Kräver inloggning" }
    requires_any_role { en: "Requires any of the roles:", sv: "Kräver någon av rollerna:" }
    routes_available {
        en: "The following routes are available for this service:",
        sv: "Följande vägar finns för den här tjänsten:",
    }
    parameters_of(dto: &str) { en: "{dto} Parameters:", sv: "Parametrar för {dto}:" }
    enum_of(name: &str) { en: "{name} Enum:", sv: "Uppräkningen {name}:" }
    col_parameter { en: "Parameter", sv: "Plats" }
    col_data_type { en: "Data Type", sv: "Datatyp" }
    col_required { en: "Required", sv: "Obligatorisk" }
    col_description { en: "Description", sv: "Beskrivning" }
    yes { en: "Yes", sv: "Ja" }
    no { en: "No", sv: "Nej" }
    dtos_in { en: "DTOs in:", sv: "DTO:er i:" }
    other_format { en: "The same page for", sv: "Samma sida för" }
    override_content_type(fmt: &str) {
        en: "To override the Content-type in your clients, use the HTTP Accept Header, append the .{fmt} suffix or ?format={fmt}",
        sv: "För att välja Content-type i era klienter: använd HTTP-huvudet Accept, lägg till ändelsen .{fmt} eller ?format={fmt}",
    }
    jsonp_hint {
        en: "To embed the response in a jsonp callback, append ?callback=myCallback",
        sv: "För att bädda in svaret i ett jsonp-anrop, lägg till ?callback=myCallback",
    }
    sample_heading(fmt: &str) { en: "HTTP + {fmt}", sv: "HTTP + {fmt}, exempel" }
    samples_explained {
        en: "The following are sample HTTP requests and responses. The placeholders shown need to be replaced with actual values.",
        sv: "Här följer exempel på HTTP-anrop och svar. Platshållarna ska ersättas med verkliga värden.",
    }
    operations_supported {
        en: "The following operations are supported. For a formal definition, please review:",
        sv: "Följande åtgärder stöds. En formell beskrivning finns i:",
    }
    col_operation { en: "Operation", sv: "Åtgärd" }
    col_formats { en: "Formats", sv: "Format" }
    col_routes { en: "Routes", sv: "Vägar" }
    openapi_description { en: "the OpenAPI description", sv: "OpenAPI-beskrivningen" }
    add_servicestack_reference { en: "Add ServiceStack Reference", sv: "Lägg till ServiceStack-referens" }
    typed_dtos_explained {
        en: "Typed DTOs for this service, generated from its description:",
        sv: "Typade DTO:er för tjänsten, skrivna från dess beskrivning:",
    }
    col_language { en: "Language", sv: "Språk" }
    col_command { en: "Command", sv: "Kommando" }
    csharp_data_contracts {
        en: "C# DTOs with DataContract and DataMember attributes:",
        sv: "C#-DTO:er med attributen DataContract och DataMember:",
    }
}
