//! Allegation steps, confidential representations and the authority's replies in a field batch
//! (issue 6, ICRC-VIS-e): written on a delegate's laptop, they travel in the visit report and
//! are recorded at the unit in the report's transaction, checked against the allegation as the
//! transaction sees it (so a closure earlier in the same report counts). Each keeps the id made
//! on the laptop: the same record again answers `false` and adds nothing, whatever happened to
//! the allegation since.

use domain::protection::{
    AllegationStep, AuthorityReply, Interview, RepresentationLetter, StepKind, check_reply,
    check_representation, check_step,
};
use domain::{AllegationId, RepresentationId};
use uuid::Uuid;

use super::super::representations::{LETTER_COLUMNS, LetterRow, letter_of};
use super::super::{allegation_from, invalid, step_from};
use super::{BatchTx, FieldBatch};
use crate::error::{StoreError, StoreResult};

/// What a new step or representation is checked against.
struct Standing {
    allegation: domain::protection::Allegation,
    history: Vec<AllegationStep>,
    interviews: Vec<Interview>,
}

impl FieldBatch<'_> {
    /// The allegation, its steps and the interviews it comes from, as the transaction sees
    /// them; another tenant's (or no) allegation is [`StoreError::NotFound`].
    async fn standing(&mut self, id: AllegationId) -> StoreResult<Standing> {
        let scope = self.scope;
        let (mut allegation, history, links) = on_tx!(self, tx => {
            let (allegation, steps) = allegation_in!(tx, scope, id);
            let links: Vec<Uuid> = sqlx::query_scalar(
                "SELECT interview_id FROM allegation_interviews WHERE tenant_id = $1 AND allegation_id = $2",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(id.as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            (allegation, steps, links)
        });
        // The narrative stays sealed away: no check reads it.
        allegation.narrative = String::new();
        let interviews = self
            .interviews()
            .await?
            .iter()
            .filter(|i| links.contains(i.id.as_uuid()))
            .cloned()
            .collect();
        Ok(Standing {
            allegation,
            history,
            interviews,
        })
    }

    /// ICRC-VIS-e: a step of an allegation (a representation noted, a reply noted, the
    /// closure) under the id it was made with; `false` when a step with this id is known.
    /// Checked against the history ([`check_step`]: nothing after closure, a reply only after
    /// a representation, the consent for a representation); a step dated in the future is
    /// refused.
    pub async fn allegation_step(
        &mut self,
        id: Uuid,
        allegation: AllegationId,
        step: &AllegationStep,
    ) -> StoreResult<bool> {
        let (scope, now) = (self.scope, self.now);
        if on_tx!(self, tx => known!(tx, scope, "allegation_steps", id)) {
            return Ok(false);
        }
        if step.at > now {
            return Err(invalid(format!("at: {} is in the future", step.at.date())));
        }
        let standing = self.standing(allegation).await?;
        check_step(
            &standing.allegation,
            &standing.interviews,
            &standing.history,
            step,
        )
        .map_err(invalid)?;
        let (addressee, form, text) = match &step.kind {
            StepKind::Representation { addressee, form } => {
                (Some(addressee.trim()), Some(form.code()), None)
            }
            StepKind::AuthorityReply { text } => (None, None, Some(text.trim())),
            StepKind::Closed { reason } => (None, None, Some(reason.trim())),
        };
        Ok(on_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO allegation_steps (id, tenant_id, allegation_id, at, by_name, kind, addressee, form, text) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(*scope.tenant().as_uuid())
            .bind(allegation.as_uuid())
            .bind(step.at)
            .bind(step.by.trim())
            .bind(step.kind.code())
            .bind(addressee)
            .bind(form)
            .bind(text)
            .execute(&mut *tx)
            .await?
            .rows_affected() == 1
        }))
    }

    /// ICRC-VIS-e: a confidential representation with its text, sealed (SEC-3); `false` when
    /// a representation with its id is known. The allegation must be the scope's own
    /// ([`StoreError::NotFound`]) and not closed, the form allowed by the consent of the
    /// allegation and of its interviews (ICRC-VIS-c), the day sent not in the future
    /// ([`check_representation`]).
    pub async fn representation(&mut self, letter: &RepresentationLetter) -> StoreResult<bool> {
        self.representation_by(letter, None).await
    }

    /// [`FieldBatch::representation`], recorded as by `recorded_by` when given (the delegate
    /// who recorded it on the laptop, carried by the visit report) instead of the scope's actor.
    pub async fn representation_by(
        &mut self,
        letter: &RepresentationLetter,
        recorded_by: Option<&str>,
    ) -> StoreResult<bool> {
        let (scope, now) = (self.scope, self.now);
        let by = super::recorder(scope, recorded_by)?;
        if on_tx!(self, tx => known!(tx, scope, "representations", letter.id.as_uuid())) {
            return Ok(false);
        }
        let standing = self.standing(letter.allegation).await?;
        check_representation(
            &standing.allegation,
            &standing.interviews,
            &standing.history,
            letter,
            now.date(),
        )
        .map_err(invalid)?;
        let text = self.sealer.seal_text(
            &format!("representations.text:{}", letter.id),
            letter.text.trim(),
        )?;
        Ok(on_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO representations (id, tenant_id, allegation_id, form, addressee, sent_on, text, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
            )
            .bind(letter.id.as_uuid())
            .bind(*scope.tenant().as_uuid())
            .bind(letter.allegation.as_uuid())
            .bind(letter.form.code())
            .bind(letter.addressee.trim())
            .bind(letter.sent_on)
            .bind(text)
            .bind(&by)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected() == 1
        }))
    }

    /// ICRC-VIS-e: the authority's reply to a representation, its text sealed; `false` when a
    /// reply with its id is known. The representation must be the scope's own
    /// ([`StoreError::NotFound`]), its allegation not closed, the reply dated from the day the
    /// representation was sent to today ([`check_reply`]).
    pub async fn reply(&mut self, reply: &AuthorityReply) -> StoreResult<bool> {
        self.reply_by(reply, None).await
    }

    /// [`FieldBatch::reply`], recorded as by `recorded_by` when given (as
    /// [`FieldBatch::representation_by`]).
    pub async fn reply_by(
        &mut self,
        reply: &AuthorityReply,
        recorded_by: Option<&str>,
    ) -> StoreResult<bool> {
        let (scope, now) = (self.scope, self.now);
        let by = super::recorder(scope, recorded_by)?;
        if on_tx!(self, tx => known!(tx, scope, "representation_replies", reply.id.as_uuid())) {
            return Ok(false);
        }
        let letter = self.letter(reply.representation).await?;
        check_reply(&letter, reply, now.date()).map_err(invalid)?;
        let standing = self.standing(letter.allegation).await?;
        if standing
            .history
            .iter()
            .any(|s| matches!(s.kind, StepKind::Closed { .. }))
        {
            return Err(invalid("the allegation is closed".into()));
        }
        let text = reply
            .text
            .as_ref()
            .map(|text| {
                self.sealer.seal_text(
                    &format!("representation_replies.text:{}", reply.id),
                    text.trim(),
                )
            })
            .transpose()?;
        Ok(on_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO representation_replies (id, tenant_id, representation_id, received_on, outcome, text, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
            )
            .bind(reply.id.as_uuid())
            .bind(*scope.tenant().as_uuid())
            .bind(reply.representation.as_uuid())
            .bind(reply.received_on)
            .bind(reply.outcome.code())
            .bind(text)
            .bind(&by)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected() == 1
        }))
    }

    /// A representation as the transaction sees it (text left sealed away).
    async fn letter(&mut self, id: RepresentationId) -> StoreResult<RepresentationLetter> {
        let scope = self.scope;
        let sql = format!(
            "SELECT {LETTER_COLUMNS} FROM representations WHERE tenant_id = $1 AND id = $2"
        );
        let row: Option<LetterRow> = on_tx!(self, tx => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(*scope.tenant().as_uuid())
                .bind(id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?
        });
        Ok(letter_of(row.ok_or(StoreError::NotFound)?, false)?.letter)
    }
}
