//! Routing: who gets a new ticket. Routing rules, tried in order, pick a queue or a technician
//! from what the ticket is about (client, category, source, the tags of its devices); within a
//! queue, the ticket goes round-robin or to the technician with the fewest open tickets, among
//! the members on shift at that moment. Everything here is pure; `db::routing` reads the rules,
//! members and schedules and applies the answer.

use super::Source;

/// One routing rule as the router sees it. Empty texts and `None` match anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRule {
    pub id: i64,
    pub client_id: Option<i64>,
    pub category: String,
    pub source: String,
    pub device_tag: String,
    pub queue_id: Option<i64>,
    pub assignee_id: Option<i64>,
}

/// What a new ticket is about, as far as routing cares.
#[derive(Debug, Clone, Copy)]
pub struct TicketFacts<'a> {
    pub client_id: i64,
    pub category: &'a str,
    pub source: Source,
    /// Tags of the ticket's linked devices.
    pub device_tags: &'a [String],
}

impl RoutingRule {
    /// Whether every condition the rule sets holds for the ticket. Category and tag compare
    /// without regard to case.
    pub fn matches(&self, t: &TicketFacts) -> bool {
        self.client_id.is_none_or(|c| c == t.client_id)
            && (self.category.is_empty() || self.category.eq_ignore_ascii_case(t.category.trim()))
            && (self.source.is_empty() || self.source == t.source.as_str())
            && (self.device_tag.is_empty()
                || t.device_tags.iter().any(|tag| tag.eq_ignore_ascii_case(&self.device_tag)))
    }
}

/// The first rule, in the order given, that matches the ticket.
pub fn first_match<'a>(rules: &'a [RoutingRule], t: &TicketFacts) -> Option<&'a RoutingRule> {
    rules.iter().find(|r| r.matches(t))
}

/// Where routing sent a new ticket, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    pub queue_id: Option<i64>,
    pub assignee_id: Option<i64>,
    /// The routing rule that matched, by name; `None` when the queue was given.
    pub rule: Option<String>,
}

/// How a queue hands out its tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignment {
    /// In turn, member after member (by user id), starting after the one who got the last ticket.
    RoundRobin,
    /// To the member with the fewest open tickets; ties go in round-robin order.
    LeastLoaded,
    /// Nobody: the ticket waits in the queue, unassigned, for someone to take it.
    Manual,
}

impl Assignment {
    pub fn as_str(self) -> &'static str {
        match self {
            Assignment::RoundRobin => "round_robin",
            Assignment::LeastLoaded => "least_loaded",
            Assignment::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<Assignment> {
        [Assignment::RoundRobin, Assignment::LeastLoaded, Assignment::Manual].into_iter().find(|a| a.as_str() == s)
    }
}

/// A queue member at the moment of assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub user_id: i64,
    pub on_shift: bool,
    /// Tickets assigned to them that are new, open or pending.
    pub open_tickets: i64,
}

/// Who in the queue gets the ticket: `None` when the queue is manual or nobody is on shift (the
/// ticket then waits unassigned in the queue). `last_assigned` is the member who got the queue's
/// previous ticket.
pub fn pick(assignment: Assignment, members: &[Member], last_assigned: Option<i64>) -> Option<i64> {
    let mut on_shift: Vec<&Member> = members.iter().filter(|m| m.on_shift).collect();
    if on_shift.is_empty() || assignment == Assignment::Manual {
        return None;
    }
    on_shift.sort_by_key(|m| m.user_id);
    on_shift.dedup_by_key(|m| m.user_id);
    // Round-robin order: the members after the last one assigned, then the rest from the start.
    let split = last_assigned.map_or(0, |last| on_shift.iter().position(|m| m.user_id > last).unwrap_or(0));
    on_shift.rotate_left(split);
    match assignment {
        Assignment::RoundRobin => on_shift.first().map(|m| m.user_id),
        // `min_by_key` keeps the first of equals: the tie goes to the next in turn.
        Assignment::LeastLoaded => on_shift.iter().min_by_key(|m| m.open_tickets).map(|m| m.user_id),
        Assignment::Manual => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: i64) -> RoutingRule {
        RoutingRule {
            id,
            client_id: None,
            category: String::new(),
            source: String::new(),
            device_tag: String::new(),
            queue_id: Some(1),
            assignee_id: None,
        }
    }

    fn facts<'a>(client_id: i64, category: &'a str, source: &str, tags: &'a [String]) -> TicketFacts<'a> {
        TicketFacts { client_id, category, source: Source::parse(source).unwrap(), device_tags: tags }
    }

    fn member(user_id: i64, on_shift: bool, open_tickets: i64) -> Member {
        Member { user_id, on_shift, open_tickets }
    }

    #[test]
    fn a_rule_matches_only_when_every_condition_it_sets_holds() {
        let tags = vec!["Servers".to_string(), "vip".to_string()];
        let t = facts(7, "Monitoring", "alert", &tags);
        assert!(rule(1).matches(&t), "a rule with no conditions matches everything");
        assert!(RoutingRule { client_id: Some(7), ..rule(1) }.matches(&t));
        assert!(!RoutingRule { client_id: Some(8), ..rule(1) }.matches(&t));
        assert!(RoutingRule { category: "monitoring".into(), ..rule(1) }.matches(&t), "category ignores case");
        assert!(!RoutingRule { category: "billing".into(), ..rule(1) }.matches(&t));
        assert!(RoutingRule { source: "alert".into(), ..rule(1) }.matches(&t));
        assert!(!RoutingRule { source: "portal".into(), ..rule(1) }.matches(&t));
        assert!(RoutingRule { device_tag: "servers".into(), ..rule(1) }.matches(&t), "tag ignores case");
        assert!(!RoutingRule { device_tag: "laptops".into(), ..rule(1) }.matches(&t));
        let both = RoutingRule { client_id: Some(7), device_tag: "laptops".into(), ..rule(1) };
        assert!(!both.matches(&t), "all conditions must hold, not any");
        assert!(!RoutingRule { device_tag: "servers".into(), ..rule(1) }.matches(&facts(7, "", "manual", &[])));
    }

    #[test]
    fn the_first_matching_rule_in_order_wins() {
        let rules = vec![
            RoutingRule { client_id: Some(9), ..rule(1) },
            RoutingRule { source: "alert".into(), ..rule(2) },
            rule(3),
        ];
        assert_eq!(first_match(&rules, &facts(7, "", "alert", &[])).map(|r| r.id), Some(2));
        assert_eq!(first_match(&rules, &facts(9, "", "alert", &[])).map(|r| r.id), Some(1));
        assert_eq!(first_match(&rules, &facts(7, "", "portal", &[])).map(|r| r.id), Some(3));
        assert_eq!(first_match(&rules[..2], &facts(7, "", "portal", &[])), None);
    }

    #[test]
    fn round_robin_takes_turns_among_those_on_shift_and_wraps_around() {
        let members = [member(3, true, 0), member(5, true, 0), member(8, true, 0)];
        assert_eq!(pick(Assignment::RoundRobin, &members, None), Some(3));
        assert_eq!(pick(Assignment::RoundRobin, &members, Some(3)), Some(5));
        assert_eq!(pick(Assignment::RoundRobin, &members, Some(5)), Some(8));
        assert_eq!(pick(Assignment::RoundRobin, &members, Some(8)), Some(3), "wraps around");
        // The last one assigned left the queue: the next id after theirs.
        assert_eq!(pick(Assignment::RoundRobin, &members, Some(4)), Some(5));
        let off = [member(3, true, 0), member(5, false, 0), member(8, true, 0)];
        assert_eq!(pick(Assignment::RoundRobin, &off, Some(3)), Some(8), "skips who is off shift");
    }

    #[test]
    fn least_loaded_picks_the_fewest_open_tickets_and_breaks_ties_in_turn() {
        let members = [member(3, true, 4), member(5, true, 1), member(8, true, 2)];
        assert_eq!(pick(Assignment::LeastLoaded, &members, None), Some(5));
        let tied = [member(3, true, 1), member(5, true, 1), member(8, true, 1)];
        assert_eq!(pick(Assignment::LeastLoaded, &tied, None), Some(3));
        assert_eq!(pick(Assignment::LeastLoaded, &tied, Some(3)), Some(5), "a tie goes to the next in turn");
        let off = [member(3, true, 4), member(5, false, 0), member(8, true, 2)];
        assert_eq!(pick(Assignment::LeastLoaded, &off, None), Some(8), "the least loaded must be on shift");
    }

    #[test]
    fn nobody_gets_the_ticket_in_a_manual_queue_or_when_nobody_is_on_shift() {
        let members = [member(3, true, 0)];
        assert_eq!(pick(Assignment::Manual, &members, None), None);
        assert_eq!(pick(Assignment::RoundRobin, &[member(3, false, 0)], None), None);
        assert_eq!(pick(Assignment::LeastLoaded, &[], None), None);
    }

    #[test]
    fn assignments_are_spelled_as_the_api_and_the_database_spell_them() {
        for (text, a) in [
            ("round_robin", Assignment::RoundRobin),
            ("least_loaded", Assignment::LeastLoaded),
            ("manual", Assignment::Manual),
        ] {
            assert_eq!((Assignment::parse(text), a.as_str()), (Some(a), text));
        }
        assert_eq!(Assignment::parse("random"), None);
        assert_eq!(Assignment::parse("Round_Robin"), None, "one spelling");
    }
}
