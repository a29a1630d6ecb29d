// The one diesel schema for both backends; the migrations under migrations/sqlite and
// migrations/postgres must produce these tables.

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        calendar_token -> Nullable<Text>,
        time_zone -> Nullable<Text>,
    }
}

diesel::table! {
    /// Every word of the search text, lower-cased as written (not stemmed).
    search_words (word) {
        word -> Text,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Nullable<BigInt>,
        state -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        email -> Text,
        client -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    services (id) {
        id -> BigInt,
        name -> Text,
        tier -> Text,
        description -> Text,
        archived -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    categories (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        archived -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    requests (id) {
        id -> BigInt,
        title -> Text,
        description -> Text,
        category_id -> BigInt,
        service_id -> Nullable<BigInt>,
        urgency -> Text,
        state -> Text,
        requester_id -> BigInt,
        owner_id -> Nullable<BigInt>,
        duplicate_of -> Nullable<BigInt>,
        tier_rank -> Integer,
        urgency_rank -> Integer,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        closed_by -> Nullable<BigInt>,
        first_response_at -> Nullable<Timestamp>,
        first_triage_at -> Nullable<Timestamp>,
        first_triage_goalkeeper -> Nullable<BigInt>,
        close_goalkeeper -> Nullable<BigInt>,
        routed -> Bool,
        reopened -> Bool,
        private -> Bool,
        good_answer_by -> Nullable<BigInt>,
        good_answer_at -> Nullable<Timestamp>,
        filed_tier -> Nullable<Text>,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        request_id -> BigInt,
        actor_id -> BigInt,
        at -> Timestamp,
        kind -> Text,
        from_state -> Nullable<Text>,
        to_state -> Text,
        owner_id -> Nullable<BigInt>,
        target_id -> Nullable<BigInt>,
        related_request_id -> Nullable<BigInt>,
        note -> Nullable<Text>,
        request_version -> Integer,
        goalkeeper_id -> Nullable<BigInt>,
        // The actor's role when the event happened (metrics and exports never use today's role).
        actor_role -> Text,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> BigInt,
        key -> Text,
        request_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rotation_versions (id) {
        id -> BigInt,
        effective_from -> Timestamp,
        anchor_date -> Text,
        handover_time -> Text,
        timezone -> Text,
        engineers -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rotation_overrides (id) {
        id -> BigInt,
        engineer_id -> BigInt,
        replaces_id -> Nullable<BigInt>,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        note -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    handover_notes (week) {
        week -> Text,
        body -> Text,
        updated_by -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    routing_advice (request_id, request_version) {
        request_id -> BigInt,
        request_version -> Integer,
        expert_id -> BigInt,
        suggested_id -> Nullable<BigInt>,
        routed_to -> BigInt,
        followed -> Bool,
        at -> Timestamp,
    }
}

diesel::table! {
    // The searchable text of each request, kept in step by triggers (see the search migration);
    // PostgreSQL adds generated `document` and `answer_document` tsvectors that queries reach through raw SQL.
    request_text (id) {
        id -> BigInt,
        title -> Text,
        description -> Text,
        notes -> Text,
        resolution -> Text,
        // Markers for the index: `goodanswer`.
        tags -> Text,
    }
}

diesel::table! {
    // A request an existing answer solved before it was filed.
    deflections (id) {
        id -> BigInt,
        requester_id -> BigInt,
        answer_id -> BigInt,
        title -> Text,
        category_id -> Nullable<BigInt>,
        idempotency_key -> Nullable<Text>,
        at -> Timestamp,
        goalkeeper_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    // Personal access tokens for the API; only their SHA-256 is stored.
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        token_hash -> Text,
        scope -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    channels (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        url -> Text,
        secret -> Text,
        topics -> Text,
        enabled -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        message_id -> Text,
        medium -> Text,
        recipient_id -> Nullable<BigInt>,
        channel_id -> Nullable<BigInt>,
        topic -> Text,
        request_id -> Nullable<BigInt>,
        subject -> Text,
        body -> Text,
        digest -> Bool,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    presence (user_id, request_id) {
        user_id -> BigInt,
        request_id -> BigInt,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    muted_topics (user_id, topic) {
        user_id -> BigInt,
        topic -> Text,
    }
}

diesel::table! {
    cover_requests (id) {
        id -> BigInt,
        requested_by -> BigInt,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        note -> Text,
        taken_by -> Nullable<BigInt>,
        taken_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    password_resets (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    // Queue filters an engineer saved under a name.
    saved_views (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        query -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        request_id -> BigInt,
        uploader_id -> BigInt,
        file_name -> Text,
        content_type -> Text,
        size -> BigInt,
        internal -> Bool,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        deleted_by -> Nullable<BigInt>,
        content -> Binary,
    }
}

diesel::table! {
    week_figures (week, settings_key) {
        week -> Text,
        settings_key -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        figures -> Text,
        computed_at -> Timestamp,
    }
}

diesel::joinable!(requests -> categories (category_id));
diesel::joinable!(requests -> services (service_id));
diesel::joinable!(events -> requests (request_id));
diesel::joinable!(sessions -> users (user_id));

diesel::table! {
    /// Changes (to a random value) with every write to the tables the team's setup is read
    /// from: catalog, rota, people, channels (`db::team`).
    team_stamp (id) {
        id -> BigInt,
        stamp -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    settings,
    login_failures,
    services,
    categories,
    requests,
    events,
    idempotency_keys,
    rotation_versions,
    rotation_overrides,
    handover_notes,
    routing_advice,
    request_text,
    deflections,
    api_tokens,
    channels,
    deliveries,
    presence,
    muted_topics,
    cover_requests,
    password_resets,
    saved_views,
    attachments,
    week_figures,
);
