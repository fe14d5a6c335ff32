-- How many approving steps the chain needed when this sign-off was recorded. A
-- chain's required steps are fixed by its first sign-off: a later change of the
-- setting applies to chains that have no sign-off yet, so a chain already signed off
-- is never re-opened by it. NULL on sign-offs recorded before this column existed:
-- those chains follow the setting in force.
ALTER TABLE signoffs ADD COLUMN steps_required INTEGER CHECK (steps_required >= 1);
