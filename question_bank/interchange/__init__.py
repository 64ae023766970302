"""Moving items in and out: QTI 3.0 (and 2.x on import), Moodle XML and GIFT.

Every reader turns a source into ``ImportedItem`` values in LevelPath's own item model (see
question_bank/item_types) or into ``Unsupported`` entries that say precisely what cannot be carried;
nothing is dropped silently. Writers take stored items and produce the format's text.
"""
