DELETE FROM settings WHERE name = 'figures_generation';
DROP TABLE week_figures;
