// The health milestones the app shows on its progress screen: what the body recovers, and how long after the last
// cigarette. Each time comes from a published source, named beside it (also in docs/apps/quit.md):
//   WHO   = World Health Organization, "Tobacco: health benefits of smoking cessation" (fact page, which cites the US
//           Surgeon General's reports below)
//   SG90  = US Surgeon General, "The Health Benefits of Smoking Cessation" (1990)
//   SG20  = US Surgeon General, "Smoking Cessation" (2020)
//   NHS   = NHS Better Health, "Quit smoking: what happens when you quit" (timeline)
//   BENOW = Benowitz et al., "Nicotine chemistry, metabolism, kinetics and biomarkers", Handb Exp Pharmacol 2009
//           (nicotine's half-life of about 2 hours)
const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;
const YEAR = 365 * DAY;

export interface HealthMilestone {
  key: string;
  /** Seconds after the quit moment. */
  after_seconds: number;
  title: { 'zh-CN': string; en: string };
  source: string;
}

export const HEALTH_MILESTONES: readonly HealthMilestone[] = [
  {
    key: 'heart_rate',
    after_seconds: 20 * MINUTE, // WHO (SG90): heart rate and blood pressure drop
    title: { 'zh-CN': '心率和血压开始下降', en: 'Heart rate and blood pressure drop' },
    source: 'WHO; SG90',
  },
  {
    key: 'oxygen',
    after_seconds: 8 * HOUR, // NHS: oxygen levels recover, carbon monoxide in the blood halves
    title: { 'zh-CN': '血氧恢复，一氧化碳减半', en: 'Oxygen levels recover; carbon monoxide halves' },
    source: 'NHS',
  },
  {
    key: 'carbon_monoxide',
    after_seconds: 12 * HOUR, // WHO: carbon monoxide in the blood drops to normal
    title: { 'zh-CN': '血液中一氧化碳降至正常', en: 'Carbon monoxide in the blood drops to normal' },
    source: 'WHO',
  },
  {
    key: 'nicotine_cleared',
    after_seconds: 24 * HOUR, // BENOW: 12 half-lives of ~2 h: nicotine is practically gone from the blood
    title: { 'zh-CN': '血液中的尼古丁基本清除', en: 'Nicotine is practically gone from the blood' },
    source: 'BENOW',
  },
  {
    key: 'taste_smell',
    after_seconds: 48 * HOUR, // NHS: carbon monoxide flushed out, lungs clear mucus, taste and smell improve
    title: { 'zh-CN': '味觉和嗅觉开始改善', en: 'Taste and smell improve' },
    source: 'NHS',
  },
  {
    key: 'breathing',
    after_seconds: 72 * HOUR, // NHS: breathing is easier, bronchial tubes relax, energy increases
    title: { 'zh-CN': '呼吸更顺畅，精力提升', en: 'Breathing is easier; energy increases' },
    source: 'NHS',
  },
  {
    key: 'circulation',
    after_seconds: 2 * WEEK, // WHO (SG90): from 2 to 12 weeks, circulation improves and lung function increases
    title: { 'zh-CN': '血液循环改善，肺功能提升', en: 'Circulation improves; lung function increases' },
    source: 'WHO; SG90',
  },
  {
    key: 'lung_function',
    after_seconds: 3 * MONTH, // WHO (SG90): the 2–12 week range ends: lung function up by as much as 10 %
    title: { 'zh-CN': '肺功能明显改善', en: 'Lung function clearly improved' },
    source: 'WHO; SG90',
  },
  {
    key: 'cough',
    after_seconds: 9 * MONTH, // WHO (SG90): from 1 to 9 months, coughing and shortness of breath decrease
    title: { 'zh-CN': '咳嗽和气短减轻', en: 'Coughing and shortness of breath decrease' },
    source: 'WHO; SG90',
  },
  {
    key: 'heart_disease_half',
    after_seconds: YEAR, // WHO (SG90): coronary heart disease risk about half that of a smoker
    title: { 'zh-CN': '冠心病风险降至吸烟者的一半', en: 'Coronary heart disease risk is half a smoker’s' },
    source: 'WHO; SG90',
  },
  {
    key: 'stroke',
    after_seconds: 5 * YEAR, // WHO (SG20): stroke risk that of a non-smoker; mouth, throat, oesophagus, bladder halved
    title: { 'zh-CN': '中风风险降至非吸烟者水平', en: 'Stroke risk falls to a non-smoker’s' },
    source: 'WHO; SG20',
  },
  {
    key: 'lung_cancer_half',
    after_seconds: 10 * YEAR, // WHO (SG90, SG20): lung cancer death risk about half that of a smoker
    title: { 'zh-CN': '肺癌死亡风险降至吸烟者的一半', en: 'Lung cancer death risk is half a smoker’s' },
    source: 'WHO; SG90; SG20',
  },
  {
    key: 'heart_disease_nonsmoker',
    after_seconds: 15 * YEAR, // WHO (SG90): coronary heart disease risk that of a non-smoker
    title: { 'zh-CN': '冠心病风险与非吸烟者相同', en: 'Coronary heart disease risk is a non-smoker’s' },
    source: 'WHO; SG90',
  },
];

/** Each milestone for someone who quit `secondsSinceQuit` ago at `quitAt`: reached or not, when, how far along. */
export function milestonesAt(quitAt: string, secondsSinceQuit: number) {
  const start = Date.parse(quitAt);
  return HEALTH_MILESTONES.map((m) => ({
    ...m,
    reached: secondsSinceQuit >= m.after_seconds,
    reached_at: new Date(start + m.after_seconds * 1000).toISOString(),
    progress: Math.max(0, Math.min(1, secondsSinceQuit / m.after_seconds)),
  }));
}
